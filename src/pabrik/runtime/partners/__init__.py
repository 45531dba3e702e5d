"""The partner directory: who can help with a roadmap step or a skills gap, near the company."""

"""The partner directory's pages: browse, who can help with a roadmap, contact, and manage."""

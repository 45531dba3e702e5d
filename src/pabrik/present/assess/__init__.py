"""How assessments read: labels, wording, radar charts, reports and JSON shapes."""

"""How accounts read: labels of roles, form problems and access errors."""

"""Yellow pages: who knows what, who is good at what, and which customers they serve well."""

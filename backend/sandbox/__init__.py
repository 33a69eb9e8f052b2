"""Graph API sandbox: a local stand-in for Meta's Instagram and Facebook hosts."""

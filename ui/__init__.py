"""Block Kit, cut by capability: each builder beside the parser of what it renders."""

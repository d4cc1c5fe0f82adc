"""Rendered HTML and read data kept in the cache between requests (issue 10), and the change
counter that says when what they show was last written (`changes`)."""

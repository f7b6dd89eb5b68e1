"""Server-rendered pages: the helpers every resource's pages share (rendering.py, forms.py)
and one module of routes per resource (items.py)."""

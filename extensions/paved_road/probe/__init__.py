"""``paved-road probe``: the platform's black-box check of a product's running app.

CI's probe job runs it (through ``.paved-road/drift.py --probe``, from the platform's release
the product records) after the drift job passed: it builds the app from the product's locked
environment, serves it with the image's own server command and production settings, and
probes it over HTTP from this process, which imports nothing of the product. Tests the product
controls cannot stand in for it, and code the product seeds cannot see what it asks for.
"""

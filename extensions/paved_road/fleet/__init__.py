"""``paved-road fleet``: drift and updates across every product a platform team looks after.

``check`` fetches and checks each product of a fleet file in parallel; ``collect`` builds the
same reports from drift JSON files the products' CI uploaded; ``update`` pushes an update
branch to every product that is behind. Reports: text, JSON (schema in ``schema/``),
Markdown, an HTML dashboard and Backstage Tech Insights facts. See docs/fleet.md.
"""

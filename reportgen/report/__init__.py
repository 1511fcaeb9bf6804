"""Report stage: figures (SVG), number filters, Jinja rendering, HTML and PDF output."""

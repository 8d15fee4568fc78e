"""The web app: the archive, search, sources and digests in a browser, and feedback from
the email. A thin edge over the composition root (App), like the CLI."""

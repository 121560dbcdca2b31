"""ohr in a browser: the `ohr serve` app (app.py), what its pages show (pages.py), charts, the static export."""

"""``minitorch serve``: a small local web app to train models and draw graphs.

Standard library only (``http.server``); the page is plain HTML, CSS and JavaScript
served from strings in this package, so it works offline.
"""

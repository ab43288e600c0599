"""Sentence sentiment: the course's text CNN (conv1d over word embeddings).

``generate`` writes labelled sentences offline, ``data`` and ``embeddings`` read
SST-2 and GloVe files, ``model`` holds the CNN and its bag-of-words baseline,
``train`` fits both, ``explain`` says which n-grams drove a score, and
``runs``/``plots`` write a run directory. ``command`` adds ``train sentiment``
and ``predict sentiment`` to the command line.
"""

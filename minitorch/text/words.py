"""The word lists the sentence generator draws from, each with its polarity.

Real English words, written for this project: adjectives and verbs that carry
sentiment (+1 or -1), the nouns they describe, intensifiers, negators, the
contrast words that hand the verdict to the second clause, and neutral filler.
"""

from __future__ import annotations


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


POSITIVE_ADJECTIVES = _words(
    "good great excellent wonderful brilliant superb delightful charming beautiful "
    "moving engaging gripping funny clever witty fresh lovely stunning powerful "
    "touching enjoyable entertaining memorable thoughtful inventive original elegant "
    "smart warm thrilling inspired solid strong vivid rich fine pleasant satisfying "
    "compelling hilarious magnificent splendid terrific fantastic marvelous "
    "remarkable impressive heartfelt sharp gorgeous"
)

NEGATIVE_ADJECTIVES = _words(
    "bad terrible awful dull boring poor weak tedious bland clumsy messy predictable "
    "forgettable lifeless flat stale silly stupid painful horrible dreadful mediocre "
    "lazy shallow pointless tiresome annoying confusing sloppy cheap ugly hollow "
    "plodding bloated awkward wooden tired disappointing unfunny overlong slow "
    "muddled trite lame mindless incoherent laughable forced dismal dire"
)

NOUNS = _words(
    "movie film plot story acting script dialogue cast ending direction soundtrack "
    "score pacing performance heroine humor cinematography editing premise "
    "screenplay finale lead villain hero animation artwork music writing sequel "
    "documentary comedy drama thriller romance twist opening climax lighting setting "
    "production"
)

# (base form, past tense): "i did not enjoy" needs the first, "i enjoyed" the second.
POSITIVE_VERBS = (
    ("enjoy", "enjoyed"),
    ("like", "liked"),
    ("love", "loved"),
    ("admire", "admired"),
    ("appreciate", "appreciated"),
    ("adore", "adored"),
)
NEGATIVE_VERBS = (
    ("hate", "hated"),
    ("dislike", "disliked"),
    ("loathe", "loathed"),
    ("despise", "despised"),
    ("detest", "detested"),
    ("regret", "regretted"),
)

INTENSIFIERS = _words(
    "very really extremely truly incredibly so remarkably thoroughly utterly quite"
)

NEGATORS = ("not", "never")
CONTRASTS = ("but", "yet")

OPENINGS = (
    "honestly",
    "overall",
    "i think",
    "in my opinion",
    "to be fair",
    "frankly",
    "all in all",
    "we felt",
    "my friends said",
    "last night",
    "at the festival",
    "on the whole",
    "as expected",
    "for me",
    "my sister thought",
    "the critics agreed",
    "after the first hour",
    "by the way",
    "in short",
    "to my surprise",
)

CLOSINGS = (
    "from start to finish",
    "for most of its running time",
    "in the end",
    "if you ask me",
    "by the standards of the genre",
    "at times",
    "throughout",
    "on a second viewing",
    "for a family audience",
    "this summer",
    "as far as i could tell",
    "in every scene",
    "after all those years",
    "on the big screen",
    "according to my notes",
)


def polarity_words() -> dict[str, int]:
    """Every word that carries sentiment on its own: +1 or -1."""
    words = {w: 1 for w in POSITIVE_ADJECTIVES}
    words.update({w: -1 for w in NEGATIVE_ADJECTIVES})
    for verbs, sign in ((POSITIVE_VERBS, 1), (NEGATIVE_VERBS, -1)):
        for base, past in verbs:
            words[base] = sign
            words[past] = sign
    return words

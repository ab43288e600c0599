"""The sentiment app: generated data, file readers, model pieces and training."""

import math
import random
from collections.abc import Callable, Iterator
from pathlib import Path

import numba
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minitorch
from minitorch import Tensor
from minitorch.text.config import SentimentConfig
from minitorch.text.data import (
    HARD_SLICE,
    PAD,
    DataError,
    Vocabulary,
    load_sst2,
    tokenize,
)
from minitorch.text.embeddings import load_glove
from minitorch.text.explain import EmptySentenceError, explain
from minitorch.text.generate import KINDS, SIZES, generate_corpus, sentence
from minitorch.text.model import MASKED, BagOfWords, SentimentCNN, embed, padding_mask
from minitorch.text.plots import pca_2d
from minitorch.text.train import Prepared, evaluate, fit_sentiment
from minitorch.text.words import NEGATORS, polarity_words
from minitorch.train.config import ConfigError

from .gradcheck import check_each_element, check_random_direction

FAST = minitorch.TensorBackend(minitorch.FastOps)


@pytest.fixture(autouse=True)
def one_numba_thread() -> Iterator[None]:
    """Tiny kernels run faster on one thread, above all on a shared machine."""
    before = numba.get_num_threads()
    numba.set_num_threads(1)
    yield
    numba.set_num_threads(before)


SMALL = {"train": 2000, "validation": 200, "test": 200, HARD_SLICE: 200}


def _tensor(values: np.ndarray, backend: minitorch.TensorBackend = FAST) -> Tensor:
    array = np.ascontiguousarray(values, dtype=np.float64)
    return Tensor.make(array.reshape(-1), array.shape, backend=backend)


# --- generated sentences ---------------------------------------------------------


def test_generator_is_seeded() -> None:
    a, b = generate_corpus(3, SMALL), generate_corpus(3, SMALL)
    assert a.train.texts == b.train.texts
    assert np.array_equal(a.test.labels, b.test.labels)
    assert generate_corpus(4, SMALL).train.texts != a.train.texts


def test_default_splits_are_balanced_disjoint_and_named() -> None:
    corpus = generate_corpus()
    assert corpus.source == "generated"
    parts = {
        "train": corpus.train,
        "validation": corpus.validation,
        "test": corpus.test,
        **corpus.slices,
    }
    seen: set[str] = set()
    for name, part in parts.items():
        assert len(part) == SIZES[name]
        assert abs(2 * int(part.labels.sum()) - len(part)) <= 1, name
        assert len(set(part.texts)) == len(part), name
        assert not seen & set(part.texts), f"{name} shares sentences"
        seen |= set(part.texts)
    assert set(corpus.test.kinds) == set(KINDS)
    assert set(corpus.slices[HARD_SLICE].kinds) == {"negation", "contrast"}


def test_vocabulary_is_a_few_hundred_words_and_lengths_vary() -> None:
    corpus = generate_corpus()
    assert 200 <= len(Vocabulary.build(corpus.train.texts)) <= 600
    lengths = {len(tokenize(t)) for t in corpus.train.texts}
    assert min(lengths) <= 3 and max(lengths) >= 15


@settings(max_examples=60)
@given(st.integers(0, 10_000), st.sampled_from(KINDS), st.booleans())
def test_each_kind_carries_its_label(seed: int, kind: str, positive: bool) -> None:
    """The polarity words say the label the way the sentence's kind promises."""
    words = tokenize(sentence(random.Random(seed), kind, positive))
    polarity = polarity_words()
    signs = [polarity[w] for w in words if w in polarity]
    label = 1 if positive else -1
    assert signs, words
    if kind in ("plain", "intensified"):
        assert all(s == label for s in signs), words
    elif kind == "negation":
        assert set(words) & set(NEGATORS) and signs == [-label], words
    else:
        assert {"but", "yet"} & set(words), words
        assert signs[0] == -label and signs[-1] == label, words


def test_tokenize_keeps_contractions_and_drops_punctuation() -> None:
    assert tokenize("Don't miss it, REALLY!") == ["don't", "miss", "it", "really"]
    assert tokenize("it does n't work .") == ["it", "does", "n't", "work"]


def test_vocabulary_encodes_unknown_words_and_padding() -> None:
    vocabulary = Vocabulary.build(["good film", "bad film"])
    assert vocabulary.words == ("<unk>", "good", "film", "bad")
    rows, lengths = vocabulary.encode(["bad film", "good", "zebra", "!!"])
    assert rows.tolist() == [[3, 2], [1, PAD], [0, PAD], [0, PAD]]
    assert lengths.tolist() == [2, 1, 1, 1]


# --- SST-2 and GloVe readers -------------------------------------------------------


def _write_sst2(folder: Path, train_rows: int = 40) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["sentence\tlabel"]
    for i in range(train_rows):
        lines.append(f"a {'fine' if i % 2 else 'poor'} film number {i} \t{i % 2}")
    (folder / "train.tsv").write_text("\n".join(lines) + "\n")
    dev = ["sentence\tlabel", "it is not good\t0", "dull start but a fine end\t1"]
    dev.append("simply fine\t1")
    (folder / "dev.tsv").write_text("\n".join(dev) + "\n")


def test_sst2_reader_splits_train_and_uses_dev_as_test(tmp_path: Path) -> None:
    _write_sst2(tmp_path)
    corpus = load_sst2(tmp_path)
    assert corpus.source == "sst2"
    assert (len(corpus.train), len(corpus.validation)) == (38, 2)
    assert not set(corpus.train.texts) & set(corpus.validation.texts)
    assert corpus.test.texts[0] == "it is not good"
    assert corpus.test.labels.tolist() == [0, 1, 1]
    assert corpus.slices[HARD_SLICE].texts == corpus.test.texts[:2]


@pytest.mark.parametrize(
    ("train", "message"),
    [
        ("sentence\tlabel\nfine\t2\n", "train.tsv:2: expected 2 tab-separated"),
        ("sentence\tlabel\nno tab here\n", "train.tsv:2: expected 2 tab-separated"),
        ("text\tscore\nfine\t1\n", "train.tsv:1: expected a header"),
        ("", "is empty"),
        ("sentence\tlabel\n", "has a header but no sentences"),
    ],
)
def test_sst2_reader_names_the_broken_line(
    tmp_path: Path, train: str, message: str
) -> None:
    _write_sst2(tmp_path)
    (tmp_path / "train.tsv").write_text(train)
    with pytest.raises(DataError, match=message):
        load_sst2(tmp_path)


def test_sst2_reader_names_a_missing_file_or_folder(tmp_path: Path) -> None:
    _write_sst2(tmp_path)
    (tmp_path / "dev.tsv").unlink()
    with pytest.raises(DataError, match=r"dev\.tsv.* is missing"):
        load_sst2(tmp_path)
    with pytest.raises(DataError, match="must be a directory"):
        load_sst2(tmp_path / "nowhere")


def test_glove_reader_keeps_only_the_words_asked_for(tmp_path: Path) -> None:
    path = tmp_path / "glove.txt"
    path.write_text("good 0.5 1 -2\nthe 0 0 0\nbad -0.5 -1 2e-1\n")
    vectors, dim = load_glove(path, {"good", "bad", "absent"})
    assert dim == 3
    assert set(vectors) == {"good", "bad"}
    assert vectors["bad"].tolist() == [-0.5, -1.0, 0.2]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("good 1 2 3\nbad 1 2\n", ":2: expected a word and 3 numbers, got 3 fields"),
        ("good 1 2 3\nbad 1 x 3\n", ":2: expected 3 numbers after the word"),
        ("good 1 nan 3\n", ":1: the vector holds NaN"),
        ("good\n", ":1: expected a word and its numbers"),
        ("", "is empty"),
    ],
)
def test_glove_reader_rejects_a_malformed_line(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "glove.txt"
    path.write_text(text)
    with pytest.raises(DataError, match=message):
        load_glove(path, {"good", "bad"})


def test_glove_reader_names_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="does not exist"):
        load_glove(tmp_path / "none.txt", {"good"})


# --- model pieces ---------------------------------------------------------------


def test_embedding_lookup_gradient_adds_up_repeated_words() -> None:
    rng = np.random.default_rng(0)
    table = _tensor(rng.standard_normal((5, 3)))
    indices = _tensor(np.array([[1, 4, 1], [2, PAD, PAD]]))
    out = embed(table, indices).to_numpy()
    assert np.array_equal(out[0, 2], table.to_numpy()[1])
    assert not out[1, 1:].any()
    check_each_element(lambda t: embed(t, indices), table)
    table.zero_grad_()
    embed(table, indices).sum().view(1).backward()
    assert table.grad is not None
    assert table.grad.to_numpy()[:, 0].tolist() == [0.0, 2.0, 1.0, 0.0, 1.0]


@settings(max_examples=20)
@given(st.integers(0, 1000))
def test_masked_max_over_time_gradient(seed: int) -> None:
    """Max over positions with padding masked: the gradient reaches the best word."""
    rng = np.random.default_rng(seed)
    scores = _tensor(rng.permutation(24).reshape(2, 3, 4) * 0.5)  # no ties
    indices = _tensor(np.array([[3, 1, PAD, PAD], [2, 2, 2, 1]]))
    mask = padding_mask(indices)
    pooled = minitorch.max(scores + mask, 2)
    expected = np.where(np.arange(4) < np.array([[2], [4]])[:, None], 0, MASKED)
    assert (
        pooled.to_numpy().tolist()
        == (scores.to_numpy() + expected).max(axis=2, keepdims=True).tolist()
    )
    check_each_element(lambda s: minitorch.max(s + mask, 2), scores)


def _sentences(vocabulary: Vocabulary, texts: list[str]) -> Tensor:
    rows, _ = vocabulary.encode(texts)
    return _tensor(rows)


def _scored_with(
    model: minitorch.Module, parameter: minitorch.Parameter, x: Tensor
) -> Callable[[Tensor], Tensor]:
    """The model's output on ``x`` as a function of one parameter's value."""

    def score(value: Tensor) -> Tensor:
        kept = parameter.value
        parameter.update(value)
        try:
            out: Tensor = model(x)
        finally:
            parameter.update(kept)
        return out

    return score


@pytest.mark.parametrize("pretrained", [False, True])
def test_whole_models_backpropagate_correctly(pretrained: bool) -> None:
    vocabulary = Vocabulary.build(["the plot was not good", "a very dull film"])
    table = np.random.default_rng(1).standard_normal((len(vocabulary), 4))
    extra = {"pretrained": table} if pretrained else {}
    cnn = SentimentCNN(
        len(vocabulary), 4, (2, 3), 3, 0.0, random.Random(2), FAST, **extra
    )
    bow = BagOfWords(len(vocabulary), 4, random.Random(2), FAST, **extra)
    x = _sentences(vocabulary, ["the plot was not good", "a dull film"])
    for model in (cnn, bow):
        model.eval()
        for p in model.parameters():
            check_random_direction(_scored_with(model, p, x), p.value)
        trainable = {id(p) for p in model.trainable()}
        assert (id(model.embedding) in trainable) is not pretrained


def test_padding_does_not_change_a_sentence_score() -> None:
    vocabulary = Vocabulary.build(["the acting was good but the plot was dull", "fine"])
    model = SentimentCNN(len(vocabulary), 5, (3, 4, 5), 4, 0.0, random.Random(0), FAST)
    model.eval()
    alone = model(_sentences(vocabulary, ["fine"])).to_numpy()[0]
    batched = model(
        _sentences(vocabulary, ["the acting was good but the plot was dull", "fine"])
    ).to_numpy()[1]
    assert alone == batched


def test_explanation_adds_up_to_the_logit() -> None:
    vocabulary = Vocabulary.build(["the acting was good but the plot was dull"])
    model = SentimentCNN(len(vocabulary), 5, (3, 4), 4, 0.2, random.Random(0), FAST)
    e = explain(model, vocabulary, "The acting was good, but the ZEBRA was dull.")
    assert e.unknown == ("zebra",)
    assert len(e.firings) == 8
    assert 1.0 / (1.0 + math.exp(-e.logit)) == pytest.approx(e.probability, abs=1e-12)
    assert sum(share for _, share in e.phrases()) == pytest.approx(e.logit - e.bias)
    with pytest.raises(EmptySentenceError):
        explain(model, vocabulary, " ?! ")


def test_config_rejects_bad_values_with_a_reason() -> None:
    for bad, message in [
        ({"widths": (3, 3)}, "different sizes"),
        ({"widths": ()}, "one or more"),
        ({"widths": (0,)}, "each width"),
        ({"widths": (11,)}, "at most 10"),
        ({"dropout": 1.0}, "dropout"),
        ({"lr": float("inf")}, "learning rate"),
        ({"backend": "gpu"}, "unknown backend"),
        ({"dim": 0}, "dim"),
    ]:
        with pytest.raises(ConfigError, match=message):
            SentimentConfig(**bad).validated()  # type: ignore[arg-type]
    config = SentimentConfig(widths=(2, 5), embeddings="g.txt")
    assert SentimentConfig.from_dict(config.to_dict()) == config


# --- training ----------------------------------------------------------------------


def test_short_training_beats_chance_clearly() -> None:
    corpus = generate_corpus(0, SMALL)
    data = Prepared(corpus, Vocabulary.build(corpus.train.texts), 16)
    config = SentimentConfig(epochs=2, dim=16, filters=8, seed=1, lr=0.02)
    result = fit_sentiment(config, FAST, data)
    assert result.status == "completed"
    assert result.baseline is not None
    cnn = evaluate(result.cnn.model, data.vocabulary, corpus.test)
    assert cnn.accuracy >= 0.75
    losses = [e.train_loss for e in result.cnn.history]
    assert losses[-1] < losses[0]
    assert [e.model for e in result.baseline.history] == ["baseline"] * 2


def test_interrupt_stops_before_the_baseline() -> None:
    corpus = generate_corpus(0, SMALL)
    data = Prepared(corpus, Vocabulary.build(corpus.train.texts), 8)

    def stop(done: int, batches: int, loss: float) -> None:
        raise KeyboardInterrupt

    result = fit_sentiment(
        SentimentConfig(epochs=2, dim=8, filters=2), FAST, data, on_batch=stop
    )
    assert result.status == "interrupted"
    assert result.baseline is None
    assert result.cnn.history == []


@pytest.mark.slow
def test_default_run_meets_the_accuracy_bars() -> None:
    result = fit_sentiment(SentimentConfig(), FAST)
    assert result.status == "completed" and result.baseline is not None
    data = result.data
    hard = data.corpus.slices[HARD_SLICE]
    cnn_test = evaluate(result.cnn.model, data.vocabulary, data.corpus.test)
    cnn_hard = evaluate(result.cnn.model, data.vocabulary, hard)
    bow_hard = evaluate(result.baseline.model, data.vocabulary, hard)
    assert cnn_test.accuracy >= 0.85
    assert cnn_hard.accuracy - bow_hard.accuracy >= 0.10


@settings(max_examples=30)
@given(st.integers(0, 10_000))
def test_pca_keeps_the_directions_of_largest_variance(seed: int) -> None:
    rng = np.random.default_rng(seed)
    basis = np.linalg.qr(rng.standard_normal((6, 6)))[0]
    spread = rng.standard_normal((40, 6)) * np.array([9.0, 4.0, 0.1, 0.1, 0.1, 0.1])
    points = spread @ basis.T + rng.standard_normal(6)
    flat = pca_2d(points)
    centred = points - points.mean(axis=0)
    kept = float(np.sum(flat**2)) / float(np.sum(centred**2))
    assert flat.shape == (40, 2)
    assert kept > 0.99
    assert abs(float(np.dot(flat[:, 0], flat[:, 1]))) < 1e-6 * float(np.sum(flat**2))

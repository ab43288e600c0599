"""``minitorch train sentiment`` and ``minitorch predict sentiment`` end to end."""

import json
from pathlib import Path

import numpy as np
import pytest

from minitorch.cli import main
from minitorch.text import train as text_train
from minitorch.text.data import HARD_SLICE
from minitorch.text.generate import generate_corpus
from minitorch.text.runs import BASELINE, FILES, load_sentiment_model
from minitorch.text.train import evaluate

QUICK = ["--limit", "300", "--epochs", "1", "--threads", "1", "--quiet"]


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sentiment") / "run"
    assert main(["train", "sentiment", *QUICK, "--out", str(out)]) == 0
    return out


def _one_line_error(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert err.startswith("error: "), err
    assert err.count("\n") == 1, err
    assert "Traceback" not in err
    return err


def test_a_run_writes_every_file_and_names_its_data(run: Path) -> None:
    for name in FILES:
        assert (run / name).stat().st_size > 0, name
        if name.endswith(".png"):
            assert (run / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["data"] == "generated"
    assert metrics["status"] == "completed"
    assert metrics["sizes"]["train"] == 300
    assert metrics["embeddings"]["kind"] == "learned"
    for name in ("cnn", "baseline"):
        model = metrics["models"][name]
        assert set(model["accuracy"]) == {"validation", "test", HARD_SLICE}
        assert set(model["test_accuracy_by_kind"]) == {
            "plain",
            "intensified",
            "negation",
            "contrast",
        }
        matrix = np.array(model["confusion_matrix"])
        assert matrix.shape == (2, 2) and matrix.sum() == metrics["sizes"]["test"]
        assert np.trace(matrix) / matrix.sum() == model["accuracy"]["test"]
        assert len(model["history"]["val_accuracy"]) == 1
    cnn, base = (
        metrics["models"][n]["accuracy"][HARD_SLICE] for n in ("cnn", "baseline")
    )
    assert metrics[f"cnn_minus_baseline_{HARD_SLICE}"] == pytest.approx(cnn - base)


def test_saved_models_score_what_metrics_say(run: Path) -> None:
    metrics = json.loads((run / "metrics.json").read_text())
    test = generate_corpus().test
    for file, name in (("model.npz", "cnn"), (BASELINE, "baseline")):
        model, vocabulary, config = load_sentiment_model(run, file)
        assert config.limit == 300
        accuracy = evaluate(model, vocabulary, test).accuracy
        assert accuracy == metrics["models"][name]["accuracy"]["test"]


def test_predict_prints_the_probability_and_the_ngrams(
    run: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        ["predict", "sentiment", "--run", str(run), "not a good zebra", "--top", "2"]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert out.startswith("P(positive) = ")
    assert "generated data" in out
    assert "bag-of-words baseline: P(positive) = " in out
    shares = [line for line in out.splitlines() if line.startswith("  ")]
    assert len(shares) == 2 and all("'" in line for line in shares)
    assert "never saw (read as <unk>): zebra" in out


@pytest.mark.parametrize(
    "args",
    [
        ["--run", "{missing}", "fine"],
        ["--run", "{run}", "  ...  "],
        ["--run", "{run}", "fine", "--top", "0"],
    ],
)
def test_predict_errors_are_one_line(
    args: list[str], run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    filled = [a.format(run=run, missing=tmp_path / "none") for a in args]
    assert main(["predict", "sentiment", *filled]) == 2
    _one_line_error(capsys)


def test_predict_rejects_a_damaged_checkpoint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "model.npz").write_bytes(b"not a zip file")
    assert main(["predict", "sentiment", "--run", str(tmp_path), "fine"]) == 2
    _one_line_error(capsys)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--epochs", "0"], "epochs"),
        (["--widths", "3", "3"], "different sizes"),
        (["--dropout", "1"], "dropout"),
        (["--lr", "nan"], "learning rate"),
        (["--backend", "cuda"], "invalid choice"),
        (["--threads", "0"], "--threads"),
        (["--data", "{tmp}/nowhere"], "must be a directory"),
        (["--embeddings", "{tmp}/none.txt"], "does not exist"),
        (
            ["--embeddings", "{tmp}/glove.txt", "--quiet"],
            "glove.txt:2: expected a word",
        ),
    ],
)
def test_train_errors_are_one_line(
    args: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "glove.txt").write_text("good 1 2 3\nbad 1 2\n")
    out = tmp_path / "run"
    filled = [a.format(tmp=tmp_path) for a in args]
    assert main(["train", "sentiment", *filled, "--out", str(out)]) == 2
    assert message in _one_line_error(capsys)
    assert not (out / "model.npz").exists()


def test_diverged_run_exits_3_and_keeps_its_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "run"
    assert main(["train", "sentiment", *QUICK, "--lr", "1e300", "--out", str(out)]) == 3
    assert "NaN/inf" in capsys.readouterr().err
    assert json.loads((out / "metrics.json").read_text())["status"] == "diverged"
    assert (out / "model.npz").stat().st_size > 0


def test_interrupted_run_exits_130_and_keeps_its_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def interrupt(*args: object, **kwargs: object) -> tuple[float, float]:
        raise KeyboardInterrupt

    monkeypatch.setattr(text_train, "_train_epoch", interrupt)
    out = tmp_path / "run"
    assert main(["train", "sentiment", *QUICK, "--out", str(out)]) == 130
    assert "interrupted" in capsys.readouterr().err
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["status"] == "interrupted"
    assert "baseline" not in metrics["models"]

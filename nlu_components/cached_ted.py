"""TEDPolicy that remembers its predictions per dialogue state.

TED's prediction is a function of the featurized dialogue states it is given (the last
`max_history` turns: intent, entity names, slots it features, active loop, previous action) and
of its fixed weights; for a model trained on intents (no end-to-end stories), nothing else goes
in. Conversations repeat the same few state sequences (a question after a greeting, the turn after
the answer action, ...), and each prediction costs a TensorFlow call: about 25-30 ms of the ~47 ms
the policies take per prediction on the 2-core machine (cProfile of
``MessageProcessor.predict_next_with_tracker_if_should``), twice per turn.

``CachedTEDPolicy`` keys each prediction by those states (computed the way TED computes them) and
keeps the last ``prediction_cache_size`` results (least recently used goes first); a hit returns
a copy of the stored prediction, a miss runs TED. End-to-end models (trained on user text) are
never cached: their input includes the message's text features. Training is TED's own.
"""

from __future__ import annotations

import copy
import threading
from collections import OrderedDict
from typing import Any

from rasa.core.policies.ted_policy import TEDPolicy
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import TEXT


def freeze(value: Any) -> Any:
    """A hashable copy of a dialogue state (dicts, lists and tuples of plain values)."""
    if isinstance(value, dict):
        return tuple(sorted((key, freeze(item)) for key, item in value.items()))
    if isinstance(value, (list, tuple)):
        return tuple(freeze(item) for item in value)
    return value


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITH_END_TO_END_SUPPORT, is_trainable=True
)
class CachedTEDPolicy(TEDPolicy):
    """TEDPolicy with its predictions remembered per featurized dialogue state."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {**TEDPolicy.get_default_config(), "prediction_cache_size": 4096}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._cache: OrderedDict[Any, Any] = OrderedDict()
        self._cache_lock = threading.Lock()
        self.cache_hits = 0
        self.cache_misses = 0

    def _cacheable(self) -> bool:
        return (
            self.model is not None
            and not self.only_e2e
            and TEXT not in getattr(self, "fake_features", {})
            and int(self.config.get("prediction_cache_size", 0)) > 0
        )

    def prediction_key(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: dict[str, Any] | None = None,
    ) -> Any:
        """What TED's prediction depends on for this tracker: its featurized states."""
        states = self._prediction_states(
            tracker, domain, use_text_for_last_user_input=False, rule_only_data=rule_only_data
        )
        return freeze(states)

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: dict[str, Any] | None = None,
        precomputations: Any = None,
        **kwargs: Any,
    ) -> Any:
        if not self._cacheable():
            return super().predict_action_probabilities(
                tracker, domain, rule_only_data, precomputations, **kwargs
            )
        key = self.prediction_key(tracker, domain, rule_only_data)
        with self._cache_lock:
            stored = self._cache.get(key)
            if stored is not None:
                self._cache.move_to_end(key)
                self.cache_hits += 1
                return copy.deepcopy(stored)
        prediction = super().predict_action_probabilities(
            tracker, domain, rule_only_data, precomputations, **kwargs
        )
        with self._cache_lock:
            self.cache_misses += 1
            self._cache[key] = copy.deepcopy(prediction)
            while len(self._cache) > int(self.config["prediction_cache_size"]):
                self._cache.popitem(last=False)
        return prediction

"""The base of actions that call the Deskmate API."""

from abc import ABC, abstractmethod

from rasa_sdk import Action

from actions.client import ClientFactory, DeskmateClient


class ApiAction(Action, ABC):
    """An action with a client factory: the real client by default, injected in tests.

    The client is made when the action runs, never at import time. Abstract, so that the
    action server (which registers every concrete ``Action`` subclass) skips it.
    """

    def __init__(self, client_factory: ClientFactory = DeskmateClient.from_env):
        self._client_factory = client_factory

    @abstractmethod
    def name(self) -> str: ...

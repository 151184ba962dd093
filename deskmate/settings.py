"""Settings of the app process, read from the environment (prefix ``DESKMATE_``) and ``.env``."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER_SECRET = "change-me"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DESKMATE_", env_file=".env", extra="ignore")

    environment: str = Field(default="development", pattern="^(development|test|production)$")
    data_dir: Path = REPO_ROOT / "var"
    database_url: str | None = None

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    public_url: str | None = None
    rasa_port: int = Field(default=5005, ge=1, le=65535)
    actions_port: int = Field(default=5055, ge=1, le=65535)
    rasa_url: str | None = None
    actions_url: str | None = None
    # Production: Redis for rate limits shared by all app workers (and Rasa's lock store).
    redis_url: str | None = None
    rasa_timeout: float = Field(default=10.0, gt=0)
    # Rasa's SQL tracker store (SQLite in the data directory unless set); erasure deletes from it.
    rasa_tracker_url: str | None = None

    secret_key: SecretStr = SecretStr(PLACEHOLDER_SECRET)

    # Dense retrieval is routed by the query's language; see knowledge.retrieval.LanguageRouter.
    embedder_en: str = Field(default="minilm", pattern="^(minilm|use)$")
    embedder_zh: str = Field(default="use", pattern="^(minilm|use)$")
    embedding_threads: int = Field(default=1, ge=1)
    # MiniLM queries through an int8-quantised copy (documents stay float): about 0.6x the query
    # time with the same fused Recall@1 on the evaluation set, but a lower dense-only ranking
    # (`deskmate bench kb` times both side by side). Off by default.
    embedding_int8_queries: bool = False
    # MiniLM's forward pass: ONNX Runtime (the packaged weights exported once to the local model
    # cache, same vectors as torch to ~1e-6, about a third of torch's time per query on one
    # thread; `deskmate bench kb` times both) or torch.
    embedding_runtime: str = Field(default="onnx", pattern="^(onnx|torch)$")
    # A second, multilingual dense signal fused into every language's ranking ("" for none), so
    # an English question can reach a Chinese article and the reverse (see `deskmate bench kb`).
    embedder_cross: str = Field(default="use", pattern="^(minilm|use|)$")
    # BM25's Chinese tokenization: jieba word segmentation or character bigrams.
    lexical_chinese: str = Field(default="bigram", pattern="^(jieba|bigram)$")
    # Exact search up to this many vectors; an IVF index (searching nprobe lists) above it.
    index_exact_max_vectors: int = Field(default=50_000, ge=1)
    index_nprobe: int = Field(default=64, ge=1)
    # Calibrated on tests/knowledge/questions.jsonl: the best score of an off-topic question
    # stays below these, most answerable questions score above (see the README).
    answer_threshold_en: float = Field(default=0.52, ge=0, le=1)
    answer_threshold_zh: float = Field(default=0.44, ge=0, le=1)
    # Answer policy defaults below the thresholds (per-category rows override them; see
    # knowledge.policy), the follow-up window after which an answer with no ticket counts as a
    # deflection, and the age after which an article without a review date counts as stale.
    answer_clarify_band: float = Field(default=0.05, ge=0, le=1)
    answer_margin: float = Field(default=0.02, ge=0, le=1)
    kb_followup_minutes: int = Field(default=30, ge=1)
    kb_stale_days: int = Field(default=180, ge=1)

    # How often the app publishes articles whose scheduled time has come (0 = never, e.g. tests).
    kb_schedule_interval: float = Field(default=30.0, ge=0)
    # Seconds between rounds of satisfaction surveys for resolved tickets (0: off; bot.surveys).
    csat_survey_interval: float = Field(default=5.0, ge=0)

    # Sign-in attempts per minute from one address (accounts also lock after 5 failures).
    login_rate_per_minute: int = Field(default=20, ge=1)

    chat_max_chars: int = Field(default=4000, ge=1)
    # Shared with the site that embeds the web chat: it signs the signed-in customer's email
    # (HMAC-SHA256, hex) so the chat may treat the visitor as that customer (bot.identify).
    # Unset: signed identities are refused and visitors stay unverified.
    widget_identity_secret: SecretStr | None = None
    chat_rate_per_minute: int = Field(default=30, ge=1)

    @field_validator("data_dir")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        return value.expanduser().resolve()

    @model_validator(mode="after")
    def _no_placeholder_secrets_in_production(self) -> Settings:
        if self.environment == "production" and (
            self.secret_key.get_secret_value() in ("", PLACEHOLDER_SECRET)
        ):
            raise ValueError("DESKMATE_SECRET_KEY must be set to a real secret in production")
        return self

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'deskmate.db'}"

    @property
    def resolved_public_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def resolved_rasa_url(self) -> str:
        return (self.rasa_url or f"http://127.0.0.1:{self.rasa_port}").rstrip("/")

    @property
    def resolved_actions_url(self) -> str:
        return (self.actions_url or f"http://127.0.0.1:{self.actions_port}").rstrip("/")

    @property
    def resolved_rasa_tracker_url(self) -> str:
        return self.rasa_tracker_url or f"sqlite:///{self.data_dir / 'rasa-tracker.db'}"

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    @property
    def log_dir(self) -> Path:
        return self.data_dir / "logs"


@lru_cache
def get_settings() -> Settings:
    return Settings()

# The Rasa server image: Rasa Open Source 3.6.21 on Python 3.11 with the project's pinned files.
FROM python:3.11-slim
ENV RASA_TELEMETRY_ENABLED=false SQLALCHEMY_SILENCE_UBER_WARNING=1 TF_CPP_MIN_LOG_LEVEL=2
WORKDIR /rasa
RUN apt-get update && apt-get install -y --no-install-recommends gcc && rm -rf /var/lib/apt/lists/*
COPY requirements/rasa.txt requirements/rasa-constraints.txt requirements/
RUN pip install --no-cache-dir --no-deps --ignore-requires-python rasa==3.6.21 rasa-sdk==3.6.2 \
 && pip install --no-cache-dir --prefer-binary -r requirements/rasa.txt -c requirements/rasa-constraints.txt
COPY config.yml endpoints.yml credentials.yml ./
COPY deploy/endpoints.production.yml ./endpoints.production.yml
COPY domain domain
COPY data data
# The pipeline's own components (the sentence-encoder featurizer), imported from the work dir.
COPY nlu_components nlu_components
# Rasa's command line with the project's fixes (rasa_runtime/__init__.py says which).
COPY rasa_runtime rasa_runtime
RUN rasa train --domain domain --out models --fixed-model-name deskmate
EXPOSE 5005
CMD ["python", "-m", "rasa_runtime", "run", "--enable-api", "--port", "5005", "--model", "models/deskmate.tar.gz", \
     "--endpoints", "endpoints.production.yml", "--credentials", "credentials.yml"]

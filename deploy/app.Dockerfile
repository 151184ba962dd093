# The app image: FastAPI app, action server (rasa-sdk) and CLI share it.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 \
    OMP_NUM_THREADS=1 DESKMATE_DATA_DIR=/data
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends gcc && rm -rf /var/lib/apt/lists/*
COPY requirements/app.txt requirements/app.txt
# Install a CPU build of torch 2.13.0 first; a plain resolver pick pulls the CUDA build.
RUN pip install --no-cache-dir torch==2.13.0 && pip install --no-cache-dir -r requirements/app.txt
COPY pyproject.toml README.md ./
COPY deskmate deskmate
COPY knowledge knowledge
COPY ticketing ticketing
COPY bot bot
COPY actions actions
COPY experts experts
RUN pip install --no-cache-dir --no-deps -e .
VOLUME /data
EXPOSE 8000
CMD ["uvicorn", "deskmate.asgi:app", "--host", "0.0.0.0", "--port", "8000"]

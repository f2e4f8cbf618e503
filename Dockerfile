FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY . .
RUN pip install . \
    && useradd --create-home --uid 10001 sukuma

USER sukuma
# Used only when SUKUMA_DATABASE_URL is unset (embedded PostgreSQL).
ENV SUKUMA_DATA_DIR=/home/sukuma/data

EXPOSE 8000
CMD ["sukuma", "serve", "--host", "0.0.0.0"]

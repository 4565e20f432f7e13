FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 VAR_DIR=/app/var STATIC_ROOT=/app/staticfiles
WORKDIR /app

# Hash-checked installs: pip at its pinned version first, then the runtime set.
COPY requirements-pip.txt requirements.txt ./
RUN pip install --no-cache-dir --require-hashes -r requirements-pip.txt \
 && pip install --no-cache-dir --require-hashes -r requirements.txt

COPY . .
# collectstatic needs settings to load; the keys made here are thrown away with the layer.
RUN DEBUG=False ALLOWED_HOSTS=build VAR_DIR=/tmp/build-var PRIVATE_UMASK=False \
    SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
    BKSB_ENCRYPTION_KEY="$(python -c 'import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())')" \
    python manage.py collectstatic --noinput && rm -rf /tmp/build-var \
 && useradd --create-home --uid 1000 app && mkdir -p /app/var/imports /app/var/evidence && chown -R app /app/var && chmod -R go-rwx /app/var
USER app

EXPOSE 8000
# The orchestrator's liveness probe: the web process answers (no Host header needed: ops/middleware.py).
# docker-compose.yml gives web /health/ready instead, and the worker and beat containers checks of their own.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health/live', timeout=4)"]
# Threads (gthread): a long streamed download (the learner list's CSV) holds one thread, not a whole
# worker, so three of them no longer stop every other page.
CMD ["gunicorn", "bksbmis.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--threads", "4", "--timeout", "60", "--access-logfile", "-"]

# usagehouse server image: `docker build -t usagehouse .`
# Runs `usagehouse serve` on 0.0.0.0:8787 as a non-root user. Binding beyond loopback needs
# USAGEHOUSE_TOKENS (the server refuses local-dev mode there). Storage defaults to embedded
# chDB under the /data volume; compose.yaml points it at a ClickHouse server instead.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies first, in their own layer, so code changes do not reinstall them.
COPY pyproject.toml README.md ./
RUN python -c "import subprocess, sys, tomllib; \
deps = tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']; \
subprocess.check_call([sys.executable, '-m', 'pip', 'install', *deps])"

COPY server ./server
RUN pip install --no-deps . \
    && useradd --system --uid 10001 --user-group --home-dir /data --create-home usagehouse

ENV USAGEHOUSE_STORAGE=/data \
    USAGEHOUSE_HOST=0.0.0.0 \
    USAGEHOUSE_PORT=8787
VOLUME ["/data"]
USER usagehouse
EXPOSE 8787

# slim has no curl: probe /health with the interpreter that is already there.
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/health' % os.environ.get('USAGEHOUSE_PORT', '8787'), timeout=4)" || exit 1

CMD ["usagehouse", "serve", "--host", "0.0.0.0"]

# syntax=docker/dockerfile:1
# The EHC engine's image: the web app, the scheduler and the `ehc` CLI in one image
# (compose.yaml runs it three ways). Multi-stage: Node builds the GOV.UK Frontend assets,
# a build stage installs the locked Python packages into a virtual environment, and the
# runtime stage holds only that environment, WeasyPrint's system libraries and the
# PostgreSQL client tools (`ehc backup`), running as a user without privileges.

# -- 1. Front-end assets (GOV.UK Frontend and our Sass, pinned by package-lock.json) ------
FROM node:20.20.2-bookworm-slim AS assets
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY web/assets web/assets
RUN mkdir -p web/static \
 && npx sass --pkg-importer=node --style=compressed --no-source-map \
      web/assets/app.scss web/static/app.css \
 && cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js web/assets/init.js web/static/

# -- 2. Python packages, every one at its locked version (requirements.lock) --------------
FROM python:3.11.7-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/ehc
WORKDIR /src
COPY requirements.lock pyproject.toml README.md ./
COPY workflow workflow
COPY scheduler scheduler
COPY letters letters
COPY web web
COPY cli cli
COPY bootstrap bootstrap
COPY --from=assets /src/web/static web/static
RUN /opt/ehc/bin/pip install -c requirements.lock . \
 && /opt/ehc/bin/ehc --version

# -- 3. Runtime ------------------------------------------------------------------------------
FROM python:3.11.7-slim-bookworm
# Pango for WeasyPrint's PDF letters; DejaVu fonts; pg_dump/pg_restore 15 for `ehc backup`
# and `ehc restore` (the compose file's PostgreSQL is 15 too: pg_dump must not be older).
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core postgresql-client-15 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /var/lib/ehc --create-home ehc
COPY --from=build /opt/ehc /opt/ehc
ENV PATH=/opt/ehc/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    EHC_EXPORTS_DIR=/var/lib/ehc/exports
USER ehc
WORKDIR /var/lib/ehc
EXPOSE 8000
# Liveness only; readiness (database, migrations, scheduler heartbeat) is /ready.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
  CMD ["python", "-c", "import urllib.request as u; u.urlopen('http://127.0.0.1:8000/health', timeout=4)"]
CMD ["ehc", "serve", "--host", "0.0.0.0", "--port", "8000", "--no-scheduler"]

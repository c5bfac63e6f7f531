# The image the Docker work pool runs every flow in (prefect.yaml, `*-docker`; docs/operations.md). Built as
# `make install` builds .venv: the locked dependencies, then the project itself, editable, because the flows
# read sql/ and migrations/ next to the code. Not built here: there is no Docker daemon on the machine.
FROM python:3.11-slim

# WeasyPrint renders the PDF reports with Pango; Liberation Sans stands in for the reports' Arial.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
        fonts-liberation \
    && rm -rf /var/lib/apt/lists/*

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PREFECT_SERVER_ANALYTICS_ENABLED=false DO_NOT_TRACK=1
WORKDIR /opt/kansenmonitor
COPY requirements.lock ./
RUN pip install --require-hashes -r requirements.lock
COPY . .
RUN pip install --no-deps -e .

# Children's data: the runs do not need root. The mounted var/ (inboxes, output) must be writable by 10001.
RUN useradd --uid 10001 --create-home kansenmonitor
USER kansenmonitor

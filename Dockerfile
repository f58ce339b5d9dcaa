# One image for every Switchboard service; the command picks the service:
#   docker run switchboard                         -> switchboard gateway
#   docker run switchboard switchboard router      (also: ingest, projections, topics, rebuild, route, dead-letters)

FROM node:22-slim AS console
WORKDIR /src/console
COPY console/package.json console/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY console ./
RUN npm run build

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml ./
COPY domain ./domain
COPY application ./application
COPY connectors ./connectors
COPY services ./services
COPY --from=console /src/services/console/static/console ./services/console/static/console
RUN pip wheel --no-deps --wheel-dir /wheels .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# psycopg (the event store's driver) uses the system libpq in its pure-Python build.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq5 \
    && rm -rf /var/lib/apt/lists/*

COPY --from=build /wheels /wheels
RUN pip install /wheels/*.whl && rm -rf /wheels

RUN groupadd --system --gid 10001 switchboard \
    && useradd --system --uid 10001 --gid switchboard --no-create-home --home-dir /nonexistent \
       --shell /usr/sbin/nologin switchboard
USER 10001:10001
WORKDIR /tmp

# 8080: console, REST and /healthz (gateway); 8081: web-chat widget websocket (ingest).
EXPOSE 8080 8081
STOPSIGNAL SIGTERM
CMD ["switchboard", "gateway"]

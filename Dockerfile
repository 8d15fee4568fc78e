# First version: the service issue turns CMD into `monitor run` with a HEALTHCHECK.
FROM python:3.11-slim AS build
WORKDIR /src
RUN python -m venv /opt/monitor
COPY pyproject.toml README.md ./
COPY monitor ./monitor
COPY alembic ./alembic
COPY seeds ./seeds
RUN /opt/monitor/bin/pip install --no-cache-dir .

FROM python:3.11-slim
RUN useradd --system --create-home --uid 10001 monitor && mkdir /data && chown monitor /data
COPY --from=build /opt/monitor /opt/monitor
ENV PATH=/opt/monitor/bin:$PATH \
    MONITOR_DATA_DIR=/data \
    PYTHONUNBUFFERED=1
USER monitor
WORKDIR /data
VOLUME ["/data"]
CMD ["monitor", "poll"]

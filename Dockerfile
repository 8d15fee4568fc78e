# monitor: the news monitor for Ofsted and children's social care.
#   docker build -t monitor .
#   docker run -d --name monitor -v monitor-data:/data \
#     -e MONITOR_SMTP_URL=smtp://mail.example.org:587 -e MONITOR_DIGEST_TO=team@example.org monitor
# The recipe below (build a wheel, install it into a fresh venv, run `monitor --help`) is
# exercised by .ci/run, since CI has no Docker engine.

FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY monitor ./monitor
COPY alembic ./alembic
COPY seeds ./seeds
RUN python -m pip wheel --no-cache-dir --no-deps --wheel-dir /wheels . \
 && python -m venv /opt/monitor \
 && /opt/monitor/bin/pip install --no-cache-dir /wheels/monitor-*.whl \
 && /opt/monitor/bin/monitor --help > /dev/null

FROM python:3.11-slim
RUN useradd --system --create-home --uid 10001 monitor \
 && mkdir /data && chown monitor:monitor /data
COPY --from=build /opt/monitor /opt/monitor
ENV PATH=/opt/monitor/bin:$PATH \
    MONITOR_DATA_DIR=/data \
    PYTHONUNBUFFERED=1
USER monitor
WORKDIR /data
VOLUME ["/data"]
# Unhealthy: no successful poll for 3 poll intervals, or the digest failing (see README).
HEALTHCHECK --interval=5m --timeout=60s --start-period=5m --retries=2 \
  CMD ["monitor", "status", "--check"]
# SIGTERM stops it cleanly within 10 seconds (docker stop's default grace period).
STOPSIGNAL SIGTERM
CMD ["monitor", "run"]

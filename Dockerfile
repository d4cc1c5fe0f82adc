FROM python:3.13-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
# WeasyPrint (the playbook's PDF export) needs Pango and a font; Chromium draws the Mermaid
# diagrams of that PDF (playbook/diagram_images.py).
RUN apt-get update && apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core chromium && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml README.md ./
RUN pip install --no-cache-dir -e .
COPY . .
RUN SECRET_KEY=build-only DEBUG=false ALLOWED_HOSTS=build python manage.py collectstatic --noinput
RUN useradd --create-home revops && mkdir -p /data/media /data/private && chown revops /data/media /data/private
USER revops
EXPOSE 8000
CMD ["gunicorn", "revops_portal.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3"]

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
RUN SECRET_KEY=build python manage.py collectstatic --noinput -v 0
EXPOSE 8000
# Workers and threads: gunicorn.conf.py.
CMD ["gunicorn", "oasst.wsgi", "--bind", "0.0.0.0:8000"]

# The image of every Airflow service in docker-compose.yaml: Airflow 3.3.2 plus this project's
# runtime lock, requirements.txt (the developer tools of requirements-dev.txt stay out). dags/,
# plugins/, config/ and include/ are mounted, not copied, so editing them needs no rebuild.
FROM apache/airflow:3.3.2-python3.11
COPY requirements.txt /opt/airflow/requirements.txt
RUN pip install --no-cache-dir -r /opt/airflow/requirements.txt
ENV PYTHONPATH=/opt/airflow/repo

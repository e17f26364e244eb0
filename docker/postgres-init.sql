-- Databases for docker-compose: the CRM source (demo), the warehouse and Airflow's metadata.
CREATE DATABASE crm;
CREATE DATABASE warehouse;
CREATE DATABASE airflow;

#!/bin/sh
# Runs once, when the postgres service starts on an empty volume (the official image runs
# /docker-entrypoint-initdb.d/*.sh): the application role and its two databases.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
     -v pw="$PMO_DB_PASSWORD" <<'SQL'
CREATE ROLE pmo_tutor LOGIN PASSWORD :'pw';
CREATE DATABASE pmo_progress OWNER pmo_tutor;
CREATE DATABASE pmo_tracker OWNER pmo_tutor;
SQL

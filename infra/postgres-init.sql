-- Prefect keeps its own state in a second database on the same server.
CREATE DATABASE prefect OWNER evidence;

pytest_plugins = [
    "tests.fixtures.env",
    "tests.fixtures.prefect",
    "tests.fixtures.cli",
    "tests.fixtures.s3",
    "tests.fixtures.web",
    "tests.fixtures.upload_jobs",
]

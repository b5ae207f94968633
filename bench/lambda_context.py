"""Lambda's context object, as much of it as Powertools reads, for the fresh interpreters the
benchmarks start (standard library only: importing it costs the measured process nothing)."""


class Context:
    function_name = "orgwarden-evaluator"
    memory_limit_in_mb = 128
    invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:orgwarden-evaluator"
    aws_request_id = "00000000-0000-4000-8000-000000000000"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 60_000

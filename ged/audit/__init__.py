"""The audit trail: a hash chain of events (chain), signed checkpoints (seal), their
verification (verify), reading and filtering (query), streamed exports (export) and
the retention purge (purge). Services record their events through chain.record().
"""

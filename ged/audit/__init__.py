"""The audit trail: two streams (streams: the access log, purged after a while, and the
lifecycle journal, kept), each a hash chain of events (chain), signed checkpoints (seal),
their verification (verify, and offline for exports), reading and filtering (query),
streamed exports (export) and the retention purge of the access log (purge). Services
record their events through chain.record().
"""

"""RQ jobs and worker entry points. The only package that imports rq."""

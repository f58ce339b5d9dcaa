"""Console gateway: operators log in, watch their conversations live and reply."""

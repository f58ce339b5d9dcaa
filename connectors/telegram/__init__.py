"""The Telegram channel: bots' updates in (webhook or long polling), operators' replies out (Bot API)."""

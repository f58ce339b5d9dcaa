"""The VK channel: a community's messages in (Callback API or Bots Long Poll), operators' replies out."""

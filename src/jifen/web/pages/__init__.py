"""The web pages: server-rendered, in Simplified Chinese, every asset served by Jifen itself."""

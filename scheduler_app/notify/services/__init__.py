"""The only writers of notification rows."""

"""The bksb HTTP client: one method per endpoint, typed answers, one error hierarchy. Knows no Django and imports
nothing else of the product.
"""

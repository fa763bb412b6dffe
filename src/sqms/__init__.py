"""SQMS — Service Quality Management System (服务质量管理体系)."""

__version__ = "0.1.0"

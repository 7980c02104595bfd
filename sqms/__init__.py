"""sqms — Service Quality Management System (服务质量管理系统)."""

__version__ = "0.1.0"

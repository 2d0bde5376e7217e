"""Producing report files: one period (pipeline), every unit (batch), the files the page keeps."""

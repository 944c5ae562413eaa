"""The app side: Streamlit widgets, formatting, charts and exports; metrics/ holds the numbers."""

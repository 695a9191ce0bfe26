namespace ValueDrift; public static class Placeholder {}
